import { RateLimiterRes } from "rate-limiter-flexible";
import { ApiError } from "../errors.ts";
import { addressKey } from "./address-key.ts";
import type { Db } from "../db.ts";
import { KnownSignIns } from "./known-sign-ins.ts";
import { type Counters, memoryCounters } from "./limit-counters.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, LoginBackoff } from "./login-backoff.ts";
import { generateSecureRandomString } from "./secrets.ts";

export type RateLimitOptions = {
  /** Sign-up and login attempts per client IP per window. */
  perIp: { points: number; durationSeconds: number };
  /**
   * Mails asked for one address (sign-up confirmations, password resets), from anywhere: without it, anyone
   * could fill a stranger's mailbox from many addresses. Counted whether or not the address has an account.
   */
  mailsPerAddress?: { points: number; durationSeconds: number };
  /** Failed logins: backoff per account and address, pacing per account (login-backoff.ts). */
  backoff?: Partial<BackoffOptions>;
};

const MAILS_PER_ADDRESS = { points: 5, durationSeconds: 15 * 60 };

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  perIp: { points: 30, durationSeconds: 10 * 60 },
  mailsPerAddress: MAILS_PER_ADDRESS,
};

export type RateLimits = ReturnType<typeof createRateLimits>;

/** Who asked for a mail, as the mail limit counts them apart. */
export type MailAsker = "stranger" | "owner";

/**
 * The per-IP and mails-per-address counts are kept by `counters`: in this process's memory when it is alone,
 * in Redis when several processes share it, so that each limit holds across all of them (limit-counters.ts).
 * The login backoff is each process's own (login-backoff.ts). Which addresses and browsers are an account's
 * own is not a count: it is shared through the database (known-sign-ins.ts). Addresses are counted by
 * `addressKey` (an IPv6 client by its /64); emails as accounts store them (trimmed, lower case), which the
 * sign-in route makes them before it asks.
 */
export function createRateLimits(db: Db, options: RateLimitOptions = DEFAULT_RATE_LIMITS, counters: Counters = memoryCounters) {
  const perIp = counters("auth-ip", options.perIp);
  const mailsTo = counters("auth-mail", options.mailsPerAddress ?? MAILS_PER_ADDRESS);
  const backoff = new LoginBackoff({ ...DEFAULT_BACKOFF, ...options.backoff });
  const known = new KnownSignIns(db);

  return {
    /** Counts one authentication attempt from this IP; throws 429 past the limit. */
    async attemptFromIp(ip: string) {
      await perIp.consume(addressKey(ip)).catch(rethrowAsLimited);
    },
    /**
     * Counts one mail asked for this address (trimmed, lower case); throws 429 past the limit. The account's
     * own browsers are counted apart from everyone else, so that strangers spending the limit do not stop
     * the owner's reset (docs/architecture.md, "Accounts").
     */
    async mailTo(email: string, asker: MailAsker = "stranger") {
      await mailsTo.consume(asker === "owner" ? `${email}\nowner` : email).catch(rethrowAsLimited);
    },
    /** "owner" when one of these device cookies is a browser the account with this email lately signed in with. */
    async mailAsker(email: string, devices: readonly string[]): Promise<MailAsker> {
      if (!devices.length) return "stranger";
      return (await known.lookUp(email, null, devices)).device === undefined ? "stranger" : "owner";
    },
    /**
     * Throws 429 while this address must wait before trying this account again (login-backoff.ts). Whether the
     * attempt is the owner's is looked up only for a paced account, before the attempt counts, so that a burst
     * sent at once meets the same count.
     */
    async assertLoginAllowed(email: string, ip: string, devices: readonly string[] = []) {
      const address = addressKey(ip);
      let owner = false;
      if (backoff.paced(email)) {
        const found = await known.lookUp(email, address, devices);
        owner = found.address || found.device !== undefined;
      }
      const waitMs = backoff.waitFor(email, address, owner);
      if (waitMs > 0) throw limited(waitMs);
      backoff.attempt(email, address, owner);
    },
    abandonLogin(email: string, ip: string) {
      backoff.abandoned(email, addressKey(ip));
    },
    recordFailure(email: string, ip: string) {
      backoff.failed(email, addressKey(ip));
    },
    /** The right password: this address's backoff goes, and the address is the account's from now on. */
    recordSuccess(user: { id: string; email: string }, ip: string): Promise<void> {
      backoff.succeeded(user.email, addressKey(ip));
      return known.seenAt(user.id, addressKey(ip));
    },
    /** The account signed in, or a request carried a valid session of it, from this address: the address is the owner's. */
    recordSignedIn(user: { id: string }, ip: string): Promise<void> {
      return known.seenAt(user.id, addressKey(ip));
    },
    /** The account's known browsers were deleted with its credentials: this process writes them anew. */
    forgetKnown(userId: string): void {
      known.forgetWritten(userId);
    },
    /**
     * The account signed in (or slid a session) in a browser that sent these device cookies: the token to keep
     * there, the known one it sent or else a new one (a token the account never saw, perhaps planted, is not adopted).
     */
    async deviceFor(user: { id: string; email: string }, devices: readonly string[]): Promise<string> {
      const token = (devices.length ? (await known.lookUp(user.email, null, devices)).device : undefined) ?? generateSecureRandomString();
      await known.seenWith(user.id, token);
      return token;
    },
  };
}

function rethrowAsLimited(reason: unknown): never {
  if (reason instanceof RateLimiterRes) throw limited(reason.msBeforeNext);
  throw reason;
}

/** 429, with the wait in Retry-After. */
function limited(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return Object.assign(new ApiError("rate_limited", `Too many attempts; try again in ${seconds} s`), { retryAfterSeconds: seconds });
}
