import { type DocumentRelay, LOCAL_ONLY } from "../sync/broadcast/document-relay.ts";

type Listener = () => void;

/**
 * Tells a process's notification streams that their account has something
 * new to read (docs/architecture.md, "Notifications as they happen"). Rung
 * once a notification is committed (`notifyMembers`), here and, through the
 * relay, on every other process. A ring carries account ids only: each
 * stream reads what is new itself, as the list route does, so what it sends
 * follows the same rules (current members, names as its reader may see them).
 *
 * One per process, as the articles' texts are (sync/authorize/article-text.ts): every
 * notifier reaches it without being handed it, whatever transaction it runs in.
 */
export class NotificationBell {
  private readonly listeners = new Map<string, Set<Listener>>();
  private relay: DocumentRelay = LOCAL_ONLY;

  /** Rings from and to the other processes (main.ts hands it the Redis relay). */
  relayThrough(relay: DocumentRelay) {
    this.relay = relay;
    relay.onNotified((userIds) => this.wake(userIds));
  }

  /** These accounts have new notifications, committed: wake their streams here and everywhere else. */
  ring(userIds: Iterable<string>) {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return;
    this.wake(unique);
    this.relay.publishNotified(unique);
  }

  /** Calls `listener` whenever `userId` is rung, until the returned function is called. */
  listen(userId: string, listener: Listener): () => void {
    const own = this.listeners.get(userId) ?? new Set();
    own.add(listener);
    this.listeners.set(userId, own);
    return () => {
      own.delete(listener);
      if (own.size === 0 && this.listeners.get(userId) === own) this.listeners.delete(userId);
    };
  }

  private wake(userIds: readonly string[]) {
    for (const userId of userIds) for (const listener of this.listeners.get(userId) ?? []) listener();
  }
}

export const notificationBell = new NotificationBell();
