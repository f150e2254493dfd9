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
 * backoff still holds) and never take its turn. A guesser cannot make an
 * address known without the password, and the owner at home, or signed in
 * and changing the password, is never locked out.
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

/** How long an address stays known: as long as an unused session lives. */
const KNOWN_FOR_MS = 30 * 24 * 60 * 60_000;
/** Addresses kept per account, newest first: an owner's devices and networks, not a guesser's. */
const KNOWN_PER_ACCOUNT = 8;

type Count = { failures: number; lastAt: number };
const pairKey = (email: string, ip: string) => `${email}\n${ip}`;
/** Counts kept at most, so that a flood of invented emails cannot grow memory without bound. */
const MAX_KEYS = 100_000;

export class LoginBackoff {
  private readonly byAddress = new Map<string, Count>();
  private readonly byAccount = new Map<string, Count & { nextAt: number }>();
  /** Attempts begun and not yet decided, per account and address: bounded by the requests in flight. */
  private readonly undecided = new Map<string, number>();
  /** Per account, when each known address last signed in or used a session; accounts in order of that, oldest first. */
  private readonly known = new Map<string, Map<string, number>>();

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds before this address may try this account again; 0 when it may now. */
  waitFor(email: string, ip: string): number {
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
    if (account && account.failures >= this.options.accountThreshold && !this.isKnown(email, ip, now)) wait = Math.max(wait, account.nextAt - now);
    return Math.max(0, wait);
  }

  /**
   * Begins an attempt: it counts as a failure until `failed`, `succeeded` or
   * `abandoned` decides it, and takes the account's paced slot if the account
   * is paced and the address is not one of the owner's.
   */
  attempt(email: string, ip: string) {
    const key = pairKey(email, ip);
    this.undecided.set(key, (this.undecided.get(key) ?? 0) + 1);
    const account = this.byAccount.get(email);
    const now = this.now();
    if (account && account.failures >= this.options.accountThreshold && !this.isKnown(email, ip, now)) account.nextAt = now + this.options.accountPaceMs;
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
    this.signedInFrom(email, ip);
  }

  /** The account is in use from this address (a sign-in, or a request with one of its sessions): the address is the owner's. */
  signedInFrom(email: string, ip: string) {
    const addresses = this.known.get(email) ?? new Map<string, number>();
    this.known.delete(email);
    this.known.set(email, addresses);
    addresses.delete(ip);
    addresses.set(ip, this.now());
    for (const oldest of addresses.keys()) {
      if (addresses.size <= KNOWN_PER_ACCOUNT) break;
      addresses.delete(oldest);
    }
    for (const oldest of this.known.keys()) {
      if (this.known.size <= MAX_KEYS) break;
      this.known.delete(oldest);
    }
  }

  private isKnown(email: string, ip: string, now: number): boolean {
    const since = this.known.get(email)?.get(ip);
    return since !== undefined && now - since <= KNOWN_FOR_MS;
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
