import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { ApiError } from "../errors.ts";
import { addressKey } from "./address-key.ts";
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

/**
 * In-process limits. With several server processes each keeps its own count,
 * so the effective limit is multiplied by the process count. Addresses are
 * counted by `addressKey` (an IPv6 client by its /64); emails as accounts store them (trimmed, lower
 * case), which the sign-in route makes them before it asks.
 */
export function createRateLimits(options: RateLimitOptions = DEFAULT_RATE_LIMITS) {
  const perIp = new RateLimiterMemory({
    keyPrefix: "auth-ip",
    points: options.perIp.points,
    duration: options.perIp.durationSeconds,
  });
  const mailsTo = new RateLimiterMemory({
    keyPrefix: "auth-mail",
    points: (options.mailsPerAddress ?? MAILS_PER_ADDRESS).points,
    duration: (options.mailsPerAddress ?? MAILS_PER_ADDRESS).durationSeconds,
  });
  const backoff = new LoginBackoff({ ...DEFAULT_BACKOFF, ...options.backoff });

  return {
    /** Counts one authentication attempt from this IP; throws 429 past the limit. */
    async attemptFromIp(ip: string) {
      await perIp.consume(addressKey(ip)).catch(rethrowAsLimited);
    },
    /** Counts one mail asked for this address (trimmed, lower case); throws 429 past the limit. */
    async mailTo(email: string) {
      await mailsTo.consume(email).catch(rethrowAsLimited);
    },
    /** Throws 429 while this address must wait before trying this account again (login-backoff.ts). */
    assertLoginAllowed(email: string, ip: string, devices: readonly string[] = []) {
      const address = addressKey(ip);
      const waitMs = backoff.waitFor(email, address, devices);
      if (waitMs > 0) throw limited(waitMs);
      backoff.attempt(email, address, devices);
    },
    abandonLogin(email: string, ip: string) {
      backoff.abandoned(email, addressKey(ip));
    },
    recordFailure(email: string, ip: string) {
      backoff.failed(email, addressKey(ip));
    },
    recordSuccess(email: string, ip: string) {
      backoff.succeeded(email, addressKey(ip));
    },
    /** A request carried a valid session of this account from this address: the address is the owner's (login-backoff.ts). */
    recordSignedIn(email: string, ip: string) {
      backoff.signedInFrom(email, addressKey(ip));
    },
    /**
     * The account signed in in a browser that sent these device cookies: the token to keep there, the known
     * one it sent or else a new one (a token the account never saw, perhaps planted, is not adopted).
     */
    deviceFor(email: string, devices: readonly string[]): string {
      const token = backoff.knownDevice(email, devices) ?? generateSecureRandomString();
      backoff.rememberDevice(email, token);
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
