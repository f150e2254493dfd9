import { createHash } from "node:crypto";

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
 * lately signed in with, known by a device cookie (OWASP's "device cookies"):
 * a random token set at sign-in, kept here only as its SHA-256, beside the
 * account's addresses. A guesser cannot make an address or a browser known
 * without the password, and the owner at home, in a browser they used lately,
 * or signed in and changing the password, is never locked out. From a new
 * browser on a new address, during such an attack, the password reset (which
 * the pace does not touch) is the way in.
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

/** How long an address or a browser stays known: as long as an unused session lives, and as the device cookie. */
export const KNOWN_FOR_MS = 30 * 24 * 60 * 60_000;
/** Addresses, and browsers, kept per account, newest first: an owner's devices and networks, not a guesser's. */
const KNOWN_PER_ACCOUNT = 8;
/** Device cookies of one request looked at: a browser sends one, or a few beside planted ones. */
const DEVICES_PER_REQUEST = 4;

/** What an account is known by: addresses and hashed device tokens, each with when it was last seen. */
type Known = { addresses: Map<string, number>; devices: Map<string, number> };
const deviceHash = (token: string) => createHash("sha256").update(token).digest("base64url");

type Count = { failures: number; lastAt: number };
const pairKey = (email: string, ip: string) => `${email}\n${ip}`;
/** Counts kept at most, so that a flood of invented emails cannot grow memory without bound. */
const MAX_KEYS = 100_000;

export class LoginBackoff {
  private readonly byAddress = new Map<string, Count>();
  private readonly byAccount = new Map<string, Count & { nextAt: number }>();
  /** Attempts begun and not yet decided, per account and address: bounded by the requests in flight. */
  private readonly undecided = new Map<string, number>();
  /** Per account, when each known address and browser was last seen; accounts in order of that, oldest first. */
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds before this address (with these device cookies) may try this account again; 0 when it may now. */
  waitFor(email: string, ip: string, devices: readonly string[] = []): number {
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
    if (this.paced(account, email, ip, devices, now)) wait = Math.max(wait, account!.nextAt - now);
    return Math.max(0, wait);
  }

  /**
   * Begins an attempt: it counts as a failure until `failed`, `succeeded` or
   * `abandoned` decides it, and takes the account's paced slot if the account
   * is paced and the address is not one of the owner's.
   */
  attempt(email: string, ip: string, devices: readonly string[] = []) {
    const key = pairKey(email, ip);
    this.undecided.set(key, (this.undecided.get(key) ?? 0) + 1);
    const account = this.byAccount.get(email);
    const now = this.now();
    if (this.paced(account, email, ip, devices, now)) account!.nextAt = now + this.options.accountPaceMs;
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
    this.see(email, "addresses", ip);
  }

  /** The account signed in in the browser holding this device token: from anywhere, it is the owner's. */
  rememberDevice(email: string, token: string) {
    this.see(email, "devices", deviceHash(token));
  }

  /** The first of these device tokens the account lately signed in with, if any. */
  knownDevice(email: string, devices: readonly string[]): string | undefined {
    const now = this.now();
    return devices.slice(0, DEVICES_PER_REQUEST).find((token) => this.seenLately(email, "devices", deviceHash(token), now));
  }

  private see(email: string, kind: keyof Known, key: string) {
    const known = this.known.get(email) ?? { addresses: new Map<string, number>(), devices: new Map<string, number>() };
    this.known.delete(email);
    this.known.set(email, known);
    const seen = known[kind];
    seen.delete(key);
    seen.set(key, this.now());
    for (const oldest of seen.keys()) {
      if (seen.size <= KNOWN_PER_ACCOUNT) break;
      seen.delete(oldest);
    }
    for (const oldest of this.known.keys()) {
      if (this.known.size <= MAX_KEYS) break;
      this.known.delete(oldest);
    }
  }

  private seenLately(email: string, kind: keyof Known, key: string, now: number): boolean {
    const since = this.known.get(email)?.[kind].get(key);
    return since !== undefined && now - since <= KNOWN_FOR_MS;
  }

  /** Whether this attempt meets the account's pace: the account is paced, and neither the address nor a browser is the owner's. */
  private paced(account: { failures: number } | undefined, email: string, ip: string, devices: readonly string[], now: number): boolean {
    if (!account || account.failures < this.options.accountThreshold) return false;
    return !this.seenLately(email, "addresses", ip, now) && this.knownDevice(email, devices) === undefined;
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
