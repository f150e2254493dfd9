import { ACCOUNT_SHARE_MS, ACCOUNT_TURN_SHARE_MS, LoopBudget } from "./loop-budget.ts";
import { PresenceBudget } from "../presence/presence-budget.ts";

/**
 * Held bytes per account, across its sockets and documents (held-updates.ts).
 * Each socket's own bound times 32 sockets let three accounts hold enough for
 * the process to run out of memory.
 */
export const MAX_HELD_BYTES_PER_ACCOUNT = 8 * 1024 * 1024;

/**
 * Updates an account's sockets applied that are not stored yet (queued for the group commit, or in it), and
 * their bytes: past either, the account's sockets take no more updates, and so stop being read (kept-messages.ts),
 * until they are back to a quarter of both. The commit takes articles in turn (commit-queue.ts), so a backlog
 * slows only its own account; this bounds what that backlog holds in memory. The count is high enough that
 * while the database is away (nothing is stored) a desk keeps editing live for minutes, as before the bound;
 * the bytes are what stops a flood of large updates.
 */
export const MAX_UNSTORED_UPDATES = 1024;
export const MAX_UNSTORED_BYTES = 4 * 1024 * 1024;

/** An account's shares, and whether sockets of its are open or none is (kept until `forget` runs). */
type Shares = {
  budget: LoopBudget;
  presence: PresenceBudget;
  sockets: { kind: "open"; count: number } | { kind: "idle"; forget: NodeJS.Timeout };
};

type Unstored = { updates: number; bytes: number; full: boolean; drained: Array<() => void> };

/**
 * What an account's sockets share on one server (the hub keeps one of these):
 * a share of the event loop (loop-budget.ts, ACCOUNT_SHARE_MS), a presence
 * budget (presence-budget.ts), and a bound on updates held for content not
 * yet received. Per socket alone, an account
 * that opens 32 sockets took 6.4 s of loop a second with requests that are
 * each valid but costly (asking for a large document again and again), and
 * held 128 MiB.
 */
export class AccountLimits {
  private readonly budgets = new Map<string, Shares>();
  private readonly held = new Map<string, number>();
  private readonly unstored = new Map<string, Unstored>();

  /** `shareMs`, `turnShareMs`: an account's shares, a second and a turn (tests make them small). */
  constructor(
    private readonly shareMs = ACCOUNT_SHARE_MS,
    private readonly turnShareMs = ACCOUNT_TURN_SHARE_MS,
  ) {}

  /** The account's loop share and presence budget, for one more socket of its; `release` when that socket closes. */
  share(account: string): { budget: LoopBudget; presence: PresenceBudget; release: () => void } {
    const shares = this.budgets.get(account) ?? { budget: new LoopBudget(this.shareMs, this.turnShareMs), presence: new PresenceBudget(), sockets: { kind: "open", count: 0 } };
    this.budgets.set(account, shares);
    if (shares.sockets.kind === "idle") clearTimeout(shares.sockets.forget);
    const sockets = shares.sockets.kind === "open" ? shares.sockets : (shares.sockets = { kind: "open", count: 0 });
    sockets.count++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--sockets.count === 0) this.idle(account, shares);
    };
    return { budget: shares.budget, presence: shares.presence, release };
  }

  /** Accounts with no socket whose shares are still kept (for tests). */
  get idleAccounts(): number {
    return [...this.budgets.values()].filter((s) => s.sockets.kind === "idle").length;
  }

  /**
   * The account's last socket closed: its shares are kept until they are as full as new ones, or closing
   * and opening a socket in turn would start each one with a full burst (docs/sync.md, "7. Awareness").
   */
  private idle(account: string, shares: Shares) {
    const ms = Math.max(shares.presence.fullIn, shares.budget.untilNext);
    const forget = setTimeout(() => this.budgets.delete(account), ms).unref();
    shares.sockets = { kind: "idle", forget };
  }

  /** Counts `bytes` more held for `account`; false, counting nothing, past MAX_HELD_BYTES_PER_ACCOUNT. */
  hold(account: string, bytes: number): boolean {
    const total = (this.held.get(account) ?? 0) + bytes;
    if (total > MAX_HELD_BYTES_PER_ACCOUNT) return false;
    this.held.set(account, total);
    return true;
  }

  /** `bytes` held for `account` are no longer held. */
  unhold(account: string, bytes: number) {
    const total = (this.held.get(account) ?? 0) - bytes;
    if (total > 0) this.held.set(account, total);
    else this.held.delete(account);
  }

  /** Counts an update of `bytes` the account's socket applied as not stored until `durable` settles. */
  storing(account: string, bytes: number, durable: Promise<void>) {
    let u = this.unstored.get(account);
    if (!u) this.unstored.set(account, (u = { updates: 0, bytes: 0, full: false, drained: [] }));
    u.updates++;
    u.bytes += bytes;
    if (u.updates > MAX_UNSTORED_UPDATES || u.bytes > MAX_UNSTORED_BYTES) u.full = true;
    const settled = () => {
      u.updates--;
      u.bytes -= bytes;
      if (u.full && u.updates <= MAX_UNSTORED_UPDATES / 4 && u.bytes <= MAX_UNSTORED_BYTES / 4) {
        u.full = false;
        for (const resolve of u.drained.splice(0)) resolve();
      }
      if (u.updates === 0) this.unstored.delete(account);
    };
    durable.then(settled, settled);
  }

  /** Whether the account's sockets should take no more updates for now: too much of theirs is not stored yet. */
  backlogged(account: string): boolean {
    return this.unstored.get(account)?.full ?? false;
  }

  /** Resolves once the account is not `backlogged`. */
  drained(account: string): Promise<void> {
    const u = this.unstored.get(account);
    return u?.full ? new Promise((resolve) => u.drained.push(resolve)) : Promise.resolve();
  }
}
