/** Never longer than this, whatever the page does meanwhile. */
const MAX_HOLD_MS = 3_000;

/**
 * Keeps a document's socket from opening until something the reader must
 * show first is on screen (DocSession's `hold`). With thousands of
 * annotations the first sync is megabytes: receiving it took the main thread
 * for about half a second and decoding it for most of a second (bench:reader
 * traces), and a busy server sends it before it answers the reader's
 * requests, so it landed between the text's arrival and its first frame. The
 * reader paints its highlights from the server's short list before it
 * (reader/highlights/early-highlights.ts). Closed at most once, and always
 * opened again: by its owner, or after MAX_HOLD_MS.
 */
export class SyncHold {
  private released: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private done = false;

  /** From now on, the socket waits until `open` (or MAX_HOLD_MS). */
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

  /** What opening the socket waits for, or null when it may open now. */
  get waiting(): Promise<void> | null {
    return this.released;
  }
}
