import { PRESENCE_WINDOW_MS } from "./presence-fanout.ts";

/**
 * How often one socket's query for everyone's presence is answered. A stock provider asks once, as it
 * connects, and hears every change after; a query answered at every ask let 600 bytes of queries draw
 * 5.9 MB of answers from a busy document.
 */
export const PRESENCE_QUERY_INTERVAL_MS = 1_000;

/**
 * One socket's presence messages, taken at most once per PRESENCE_WINDOW_MS:
 * the first at once, and of those that come within the window only the last,
 * at its end. A presence message replaces the sender's state whole, so the
 * ones skipped would have been replaced anyway. A member sending thousands a
 * second (each valid, each stamped and parsed) took the loop from everyone
 * else: round trips of other sockets passed 50 ms.
 */
export class PresenceInbox {
  private waiting: Uint8Array | null = null;
  private window: NodeJS.Timeout | null = null;
  private lastQuery = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly apply: (update: Uint8Array) => void,
    private readonly answerQuery: () => void,
  ) {}

  take(update: Uint8Array) {
    if (this.window) {
      this.waiting = update;
      return;
    }
    this.apply(update);
    this.window = setTimeout(() => this.windowEnded(), PRESENCE_WINDOW_MS);
    this.window.unref();
  }

  /** A query for every state: answered unless this socket was answered within PRESENCE_QUERY_INTERVAL_MS. */
  query() {
    const now = performance.now();
    if (now - this.lastQuery < PRESENCE_QUERY_INTERVAL_MS) return;
    this.lastQuery = now;
    this.answerQuery();
  }

  stop() {
    if (this.window) clearTimeout(this.window);
    this.window = null;
    this.waiting = null;
  }

  private windowEnded() {
    this.window = null;
    const next = this.waiting;
    this.waiting = null;
    if (next) this.take(next);
  }
}
