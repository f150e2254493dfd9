import { ACCOUNT_SHARE_MS, ACCOUNT_TURN_SHARE_MS, LoopBudget } from "./loop-budget.ts";
import { PresenceBudget } from "../presence/presence-budget.ts";

/**
 * Held bytes per account, across its sockets and documents (held-updates.ts).
 * Each socket's own bound times 32 sockets let three accounts hold enough for
 * the process to run out of memory.
 */
export const MAX_HELD_BYTES_PER_ACCOUNT = 8 * 1024 * 1024;

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
  private readonly budgets = new Map<string, { budget: LoopBudget; presence: PresenceBudget; sockets: number }>();
  private readonly held = new Map<string, number>();

  /** `shareMs`, `turnShareMs`: an account's shares, a second and a turn (tests make them small). */
  constructor(
    private readonly shareMs = ACCOUNT_SHARE_MS,
    private readonly turnShareMs = ACCOUNT_TURN_SHARE_MS,
  ) {}

  /** The account's loop share and presence budget, for one more socket of its; `release` when that socket closes. */
  share(account: string): { budget: LoopBudget; presence: PresenceBudget; release: () => void } {
    let found = this.budgets.get(account);
    if (found) found.sockets++;
    else {
      found = { budget: new LoopBudget(this.shareMs, this.turnShareMs), presence: new PresenceBudget(), sockets: 1 };
      this.budgets.set(account, found);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--found.sockets === 0) this.budgets.delete(account);
    };
    return { budget: found.budget, presence: found.presence, release };
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
}
