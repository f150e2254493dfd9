/**
 * Slows password guessing down without locking the real owner out.
 *
 * Two counts of failed logins, each forgotten after a quiet window:
 * - per account *and* address: after a few free failures, each further one
 *   doubles the wait before that address may try that account again (1 s, 2 s,
 *   4 s, … up to 15 minutes). An attacker on one address crawls; the owner on
 *   another address is untouched.
 * - per account, from anywhere: past a higher threshold (guesses from many
 *   addresses), the account takes one attempt per few seconds. That slows a
 *   distributed guesser to a crawl.
 *
 * The account's pace is one turn shared by every address, so a guesser with
 * many addresses takes nearly every turn, and the owner would be refused
 * again and again. Addresses the account lately signed in from, or used one
 * of its sessions from, are the owner's: they skip the pace (their own
 * backoff still holds) and never take its turn. So do browsers the account
 * lately signed in with, known by a device cookie (OWASP's "device cookies").
 * Which are the owner's is shared by every process (known-sign-ins.ts); the
 * caller looks it up, only for an account `paced` here, and says `owner`.
 * A guesser cannot make an address or a browser known without the password,
 * and the owner at home, in a browser they used lately, or signed in and
 * changing the password, is never locked out. From a new browser on a new
 * address, during such an attack, the password reset (which the pace does not
 * touch) is the way in.
 *
 * The counts are this process's own, also when several processes share Redis
 * (the per-IP and mail limits are shared, limit-counters.ts). A guesser whose
 * requests land on N processes meets N backoffs and N paces, so N times as
 * many guesses as one process allows: still a crawl, since each wait doubles
 * and every attempt also spends the client's per-IP allowance, which is counted
 * across all processes. Sharing these would cost a Redis round trip on every
 * attempt and a second set of counts for when Redis is away, for a constant
 * factor on a limit that is already exponential.
 *
 * An attempt still being checked counts as a failure until it is decided, so
 * that a burst of guesses sent at once meets the same waits as one sent in
 * turn (checking a password takes tens of milliseconds, long enough for a
 * burst to pass a count that only grows afterwards).
 */
export type BackoffOptions = {
  /** Failures per account and address before waits start. */
  freeFailures: number;
  /** Failures per account, from any address, before the account is paced. */
  accountThreshold: number;
  /** The pace of a paced account: one attempt per this many ms. */
  accountPaceMs: number;
  maxWaitMs: number;
  /** How long a count lives after its last failure. */
  forgetAfterMs: number;
};

export const DEFAULT_BACKOFF: BackoffOptions = {
  freeFailures: 5,
  accountThreshold: 50,
  accountPaceMs: 2_000,
  maxWaitMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
};

type Count = { failures: number; lastAt: number };
const pairKey = (email: string, ip: string) => `${email}\n${ip}`;
/** Counts kept at most, so that a flood of invented emails cannot grow memory without bound. */
const MAX_KEYS = 100_000;

export class LoginBackoff {
  private readonly byAddress = new Map<string, Count>();
  private readonly byAccount = new Map<string, Count & { nextAt: number }>();
  /** Attempts begun and not yet decided, per account and address: bounded by the requests in flight. */
  private readonly undecided = new Map<string, number>();

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this account is paced now: only then does it matter whether an attempt is the owner's. */
  paced(email: string): boolean {
    const account = this.live(this.byAccount, email, this.now());
    return account !== undefined && account.failures >= this.options.accountThreshold;
  }

  /** Milliseconds before this address (the owner's, or a stranger's) may try this account again; 0 when it may now. */
  waitFor(email: string, ip: string, owner = false): number {
    const now = this.now();
    const key = pairKey(email, ip);
    const pair = this.live(this.byAddress, key, now);
    const failures = (pair?.failures ?? 0) + (this.undecided.get(key) ?? 0);
    let wait = 0;
    if (failures >= this.options.freeFailures) {
      const backoff = Math.min(this.options.maxWaitMs, 1_000 * 2 ** (failures - this.options.freeFailures));
      wait = Math.max(wait, (pair?.lastAt ?? now) + backoff - now);
    }
    const account = this.live(this.byAccount, email, now);
    if (!owner && this.paced(email)) wait = Math.max(wait, account!.nextAt - now);
    return Math.max(0, wait);
  }

  /**
   * Begins an attempt: it counts as a failure until `failed`, `succeeded` or
   * `abandoned` decides it, and takes the account's paced slot if the account
   * is paced and the attempt is not the owner's.
   */
  attempt(email: string, ip: string, owner = false) {
    const key = pairKey(email, ip);
    this.undecided.set(key, (this.undecided.get(key) ?? 0) + 1);
    if (!owner && this.paced(email)) this.byAccount.get(email)!.nextAt = this.now() + this.options.accountPaceMs;
  }

  /** An attempt that ended without an answer (the database failed, say): it counts neither way. */
  abandoned(email: string, ip: string) {
    const key = pairKey(email, ip);
    const left = (this.undecided.get(key) ?? 0) - 1;
    if (left > 0) this.undecided.set(key, left);
    else this.undecided.delete(key);
  }

  failed(email: string, ip: string) {
    this.abandoned(email, ip);
    const now = this.now();
    this.bump(this.byAddress, pairKey(email, ip), now, {});
    this.bump(this.byAccount, email, now, { nextAt: this.byAccount.get(email)?.nextAt ?? 0 });
  }

  /** The right password from this address: its count goes; the account's stays, since others may still be guessing. */
  succeeded(email: string, ip: string) {
    this.abandoned(email, ip);
    this.byAddress.delete(pairKey(email, ip));
  }

  /** One more failure under `key`, moved last so that the map stays in order of last failure, oldest first. */
  private bump<T extends Count>(map: Map<string, T>, key: string, now: number, rest: Omit<T, keyof Count>) {
    const failures = (this.live(map, key, now)?.failures ?? 0) + 1;
    map.delete(key);
    map.set(key, { ...rest, failures, lastAt: now } as T);
    for (const oldest of map.keys()) {
      if (map.size <= MAX_KEYS) break;
      map.delete(oldest);
    }
  }

  private live<T extends Count>(map: Map<string, T>, key: string, now: number): T | undefined {
    const count = map.get(key);
    if (count && now - count.lastAt > this.options.forgetAfterMs) {
      map.delete(key);
      return undefined;
    }
    return count;
  }
}
