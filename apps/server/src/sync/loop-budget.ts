import type { KeptMessages } from "./kept-messages.ts";

/**
 * How much of the event loop one socket may take, in milliseconds per
 * second. An editing client costs well under a millisecond a second (an
 * update is judged and applied in about 0.05 ms); a flood of valid but
 * costly updates from one socket would otherwise take every turn it can,
 * and the other sockets of the process would wait behind it. Past its
 * share, a socket's messages wait, in order, for the next second
 * (connection.ts).
 */
export const LOOP_SHARE_MS = 200;

const WINDOW_MS = 1_000;

/** One socket's event-loop time in the current second. */
export class LoopBudget {
  private windowStart = performance.now();
  private spent = 0;

  constructor(private readonly shareMs = LOOP_SHARE_MS) {}

  /** Whether this second's share has time left. */
  get available(): boolean {
    if (this.spent < this.shareMs) return true; // the usual case, read without the clock
    this.roll();
    return this.spent < this.shareMs;
  }

  /** Runs `fn`, counting its time against the share. */
  charge(fn: () => void) {
    const started = performance.now();
    try {
      fn();
    } finally {
      this.spent += performance.now() - started;
    }
  }

  /** Counts time spent for this socket outside `charge` (work done in turns: large-update.ts). */
  spend(ms: number) {
    this.spent += ms;
  }

  /** Milliseconds until the next second's share. */
  get untilNext(): number {
    return Math.max(1, this.windowStart + WINDOW_MS - performance.now());
  }

  private roll() {
    const now = performance.now();
    if (now - this.windowStart < WINDOW_MS) return;
    this.windowStart = now;
    this.spent = 0;
  }
}

/**
 * One socket's messages under its account's share of the loop (account-limits.ts): each is handled at
 * once while the share lasts, and kept, in order, for the next second's
 * share once it has run out. More than `kept` can hold calls `overflow`
 * (the connection closes with 4429).
 */
export class LoopShare {
  private readonly budget: LoopBudget;
  private stopped = false;

  private readonly release: () => void;

  /** `share`: the account's (account-limits.ts), released when this socket stops. */
  constructor(
    share: { budget: LoopBudget; release: () => void },
    private readonly kept: KeptMessages,
    private readonly handle: (message: Uint8Array) => void,
    private readonly overflow: () => void,
  ) {
    this.budget = share.budget;
    this.release = share.release;
  }

  receive(message: Uint8Array) {
    if (this.kept.length > 0 || !this.budget.available) this.defer(message);
    else this.budget.charge(() => this.handle(message));
  }

  /** Counts time spent for this socket outside `receive` (work done in turns: large-update.ts). */
  spend(ms: number) {
    this.budget.spend(ms);
  }

  /** Drops what is kept; nothing more is handled. */
  stop() {
    this.release();
    this.stopped = true;
    this.kept.takeAll();
  }

  private defer(message: Uint8Array) {
    if (!this.kept.keep(message)) return this.overflow();
    if (this.kept.length === 1) setTimeout(() => this.drain(), this.budget.untilNext);
  }

  private drain() {
    while (this.kept.length > 0 && !this.stopped && this.budget.available) {
      const message = this.kept.next()!;
      this.budget.charge(() => this.handle(message));
    }
    if (this.kept.length > 0 && !this.stopped) setTimeout(() => this.drain(), this.budget.untilNext);
  }
}
