/**
 * Presence bytes an account may send out a second, across its sockets and documents, and how many it may
 * send at once after a quiet spell. The web app's state is a selection, tens of bytes, at most 20 times a
 * second per socket (presence-inbox.ts); a stock provider's cursor is a few hundred. Without a bound, one
 * viewer's eight sockets, each speaking for eight client ids with 4 KiB states, had every peer of the
 * document receive, and echo back, 250 KB twenty times a second: the loop stalled 170–550 ms.
 */
export const PRESENCE_BYTES_PER_SECOND = 32 * 1024;
export const PRESENCE_BURST_BYTES = 64 * 1024;

/**
 * A token bucket of presence bytes (docs/sync.md, "Awareness"). A batch goes whenever the bucket is
 * not empty, and may overdraw it: a batch larger than the burst (eight full states) still goes, and the
 * next waits until the debt is paid.
 */
export class PresenceBudget {
  private tokens: number;
  private at = performance.now();

  constructor(
    private readonly perSecond = PRESENCE_BYTES_PER_SECOND,
    private readonly burst = PRESENCE_BURST_BYTES,
  ) {
    this.tokens = burst;
  }

  /** Milliseconds until the bucket is full again, debt included: from then on it is as good as a new one. */
  get fullIn(): number {
    const tokens = this.tokens + ((performance.now() - this.at) * this.perSecond) / 1000;
    return Math.max(0, ((this.burst - tokens) * 1000) / this.perSecond);
  }

  /** Whether `bytes` may go now; charged when they may. */
  take(bytes: number): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    if (this.tokens <= 0) return false;
    this.tokens -= bytes;
    return true;
  }
}
