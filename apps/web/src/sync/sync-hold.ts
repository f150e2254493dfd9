import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import type { WebsocketProvider } from "y-websocket";

/** Never longer than this, whatever the page does meanwhile. */
const MAX_HOLD_MS = 3_000;

const MESSAGE_SYNC = 0;

/**
 * Lets the server's document data wait until something the reader must show
 * first is on screen. Applying a large article's first sync takes the main
 * thread for most of a second; the reader paints its highlights from the
 * server's short list before that (reader/highlights/early-highlights.ts),
 * and a sync message that arrived a moment earlier would otherwise run first
 * and hold the frame back. Closed at most once, and always opened again:
 * by its owner, or after MAX_HOLD_MS.
 */
export class SyncHold {
  private released: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private done = false;

  /** From now on, data waits until `open` (or MAX_HOLD_MS). */
  close() {
    if (this.done || this.released) return;
    this.released = new Promise((resolve) => (this.release = resolve));
    this.timer = setTimeout(() => this.open(), MAX_HOLD_MS);
  }

  open() {
    this.done = true;
    clearTimeout(this.timer);
    this.release?.();
    this.released = null;
  }

  /** What arriving data waits for, or null when it may be applied now. */
  get waiting(): Promise<void> | null {
    return this.released;
  }
}

/**
 * Makes the provider's sync messages that carry data (step 2, updates) wait
 * for `hold`, in the order they came. A step 1 is answered at once: the
 * answer is our own state, and the server waits for it.
 */
export function holdServerSync(provider: WebsocketProvider, hold: SyncHold) {
  const apply = provider.messageHandlers[MESSAGE_SYNC]!;
  let queue: Array<() => void> | null = null;
  provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, p, emitSynced, messageType) => {
    const step = decoding.readVarUint(decoding.clone(decoder));
    const waiting = queue ? null : hold.waiting;
    if (step === syncProtocol.messageYjsSyncStep1 || (!queue && !waiting)) return apply(encoder, decoder, p, emitSynced, messageType);
    // Applied later, with an answer nobody sends: data messages have none.
    const later = () => apply(encoding.createEncoder(), decoder, p, emitSynced, messageType);
    if (queue) return void queue.push(later);
    queue = [later];
    void waiting!.then(() => {
      const held = queue ?? [];
      queue = null;
      // A session torn down meanwhile has no document to apply them to.
      if (provider.doc.isDestroyed) return;
      for (const fn of held) fn();
    });
  };
}
