import type { KeptMessages } from "./kept-messages.ts";
import { ownTurn } from "../document/own-turn.ts";

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
 * How much of one turn of the event loop a socket's messages may take
 * before the rest wait for a later turn. A socket's read can carry dozens of
 * frames, which are handled back to back in the turn that read them: 64
 * costly updates held the loop 240 ms in one turn, within the second's share.
 */
export const TURN_SHARE_MS = 10;

/**
 * What all of one account's sockets may take together, a second and a
 * turn: more than one socket's, so that one account's many honest sockets
 * (a bench, a classroom on one login) never wait on each other, yet bounded,
 * so that an account that opens 32 sockets cannot take the whole loop with
 * requests that are each valid but costly (asking for a large document
 * again and again took 6.4 s of loop a second, one share per socket).
 */
export const ACCOUNT_SHARE_MS = 500;
export const ACCOUNT_TURN_SHARE_MS = 40;

/**
 * The event loop's turns, counted: one immediate per turn in which anything
 * was spent moves the count on, for every budget at once (a budget of its
 * own per socket would schedule one each). The group commit uses it too, to
 * keep what one turn queued for an article together (commit-queue.ts).
 */
let turn = 0;
let turnEnding = false;

export function currentTurn(): number {
  if (!turnEnding) {
    // An immediate runs once the loop has read its sockets: the turn's count ends with it.
    turnEnding = true;
    setImmediate(() => {
      turn++;
      turnEnding = false;
    });
  }
  return turn;
}

/** A socket's or an account's event-loop time in the current second, and in the current turn. */
export class LoopBudget {
  private windowStart = performance.now();
  private spent = 0;
  private spentThisTurn = 0;
  private spentInTurn = -1;

  constructor(
    private readonly shareMs = LOOP_SHARE_MS,
    private readonly turnShareMs = TURN_SHARE_MS,
  ) {}

  /** Whether this turn's share has time left. */
  get availableThisTurn(): boolean {
    return this.spentInTurn !== turn || this.spentThisTurn < this.turnShareMs;
  }

  /** Whether this second's share has time left. */
  get available(): boolean {
    if (this.spent < this.shareMs) return true; // the usual case, read without the clock
    this.roll();
    return this.spent < this.shareMs;
  }

  /** Counts time spent against the shares. */
  spend(ms: number) {
    this.spent += ms;
    const now = currentTurn();
    if (this.spentInTurn !== now) {
      this.spentInTurn = now;
      this.spentThisTurn = 0;
    }
    this.spentThisTurn += ms;
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
 * One socket's messages under its own share of the loop and its account's
 * (account-limits.ts): each is handled at once while both last, and kept,
 * in order, for the next turn or second once one has run out. More than `kept` can hold calls `overflow`
 * (the connection closes with 4529, and the provider reconnects).
 */
export class LoopShare {
  private readonly own: LoopBudget;
  private readonly account: LoopBudget;
  private readonly release: () => void;
  private stopped = false;

  /** `shareMs`: this socket's own share a second; `account`: its account's (account-limits.ts), released when this socket stops. */
  constructor(
    shareMs: number | undefined,
    account: { budget: LoopBudget; release: () => void },
    private readonly kept: KeptMessages,
    private readonly handle: (message: Uint8Array) => void,
    private readonly overflow: () => void,
  ) {
    this.own = new LoopBudget(shareMs);
    this.account = account.budget;
    this.release = account.release;
  }

  /** Messages kept for a later turn or second. */
  get pending(): number {
    return this.kept.length;
  }

  receive(message: Uint8Array) {
    if (this.kept.length > 0 || !this.mayHandle()) this.defer(message);
    else this.charge(message);
  }

  /** Counts time spent for this socket outside `receive` (work done in turns: large-update.ts). */
  spend(ms: number) {
    this.own.spend(ms);
    this.account.spend(ms);
  }

  /** Drops what is kept; nothing more is handled. */
  stop() {
    this.release(); // once: account-limits.ts ignores a second call
    this.stopped = true;
    this.kept.takeAll();
  }

  private mayHandle(): boolean {
    return this.own.available && this.account.available && this.own.availableThisTurn && this.account.availableThisTurn;
  }

  private charge(message: Uint8Array) {
    const started = performance.now();
    try {
      this.handle(message);
    } finally {
      this.spend(performance.now() - started);
    }
  }

  private defer(message: Uint8Array) {
    if (!this.kept.keep(message)) return this.overflow();
    if (this.kept.length === 1) this.drainLater();
  }

  /** Past a second's share, at the next second; past a turn's, in a turn of its own (own-turn.ts). */
  private drainLater() {
    const waiting = [this.own, this.account].filter((budget) => !budget.available);
    if (waiting.length) setTimeout(() => this.drain(), Math.max(...waiting.map((budget) => budget.untilNext)));
    else void ownTurn().then(() => this.drain());
  }

  private drain() {
    while (this.kept.length > 0 && !this.stopped && this.mayHandle()) this.charge(this.kept.next()!);
    if (this.kept.length > 0 && !this.stopped) this.drainLater();
  }
}
