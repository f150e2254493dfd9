import type { KeptMessages } from "./kept-messages.ts";
import { ownTurn } from "./own-turn.ts";

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

/**
 * How much of one turn of the event loop an account's messages may take
 * before the rest wait for a later turn. A socket's read can carry dozens of
 * frames, which are handled back to back in the turn that read them: 64
 * costly updates held the loop 240 ms in one turn, within the second's share.
 */
export const TURN_SHARE_MS = 10;

/** An account's event-loop time in the current second, and in the current turn. */
export class LoopBudget {
  private windowStart = performance.now();
  private spent = 0;
  private spentThisTurn = 0;
  private turnEnding = false;

  constructor(private readonly shareMs = LOOP_SHARE_MS) {}

  /** Whether this turn's share has time left. */
  get availableThisTurn(): boolean {
    return this.spentThisTurn < TURN_SHARE_MS;
  }

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
      this.spend(performance.now() - started);
    }
  }

  /** Counts time spent for this socket outside `charge` (work done in turns: large-update.ts). */
  spend(ms: number) {
    this.spent += ms;
    this.spentThisTurn += ms;
    if (this.turnEnding) return;
    // The turn's count ends with it: an immediate runs once the loop has read its sockets.
    this.turnEnding = true;
    setImmediate(() => {
      this.turnEnding = false;
      this.spentThisTurn = 0;
    });
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
    if (this.kept.length > 0 || !this.budget.available || !this.budget.availableThisTurn) this.defer(message);
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
    if (this.kept.length === 1) this.drainLater();
  }

  /** Past the second's share, at the next second; past the turn's, in a turn of its own (own-turn.ts). */
  private drainLater() {
    if (!this.budget.available) setTimeout(() => this.drain(), this.budget.untilNext);
    else void ownTurn().then(() => this.drain());
  }

  private drain() {
    while (this.kept.length > 0 && !this.stopped && this.budget.available && this.budget.availableThisTurn) {
      const message = this.kept.next()!;
      this.budget.charge(() => this.handle(message));
    }
    if (this.kept.length > 0 && !this.stopped) this.drainLater();
  }
}
