import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { ApiError } from "../errors.ts";

export type RateLimitOptions = {
  /** Sign-up and login attempts per client IP per window. */
  perIp: { points: number; durationSeconds: number };
  /** Failed logins per account per window; a success clears it. */
  perAccount: { points: number; durationSeconds: number };
};

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  perIp: { points: 30, durationSeconds: 10 * 60 },
  perAccount: { points: 10, durationSeconds: 15 * 60 },
};

export type RateLimits = ReturnType<typeof createRateLimits>;

/**
 * In-process limits. With several server processes each keeps its own count,
 * so the effective limit is multiplied by the process count.
 */
export function createRateLimits(options: RateLimitOptions = DEFAULT_RATE_LIMITS) {
  const perIp = new RateLimiterMemory({
    keyPrefix: "auth-ip",
    points: options.perIp.points,
    duration: options.perIp.durationSeconds,
  });
  const perAccount = new RateLimiterMemory({
    keyPrefix: "login-account",
    points: options.perAccount.points,
    duration: options.perAccount.durationSeconds,
  });

  return {
    /** Counts one authentication attempt from this IP; throws 429 past the limit. */
    async attemptFromIp(ip: string) {
      await perIp.consume(ip).catch(rethrowAsLimited);
    },
    /** Throws 429 when this account has failed too often lately. */
    async assertAccountOpen(email: string) {
      const res = await perAccount.get(email);
      if (res && res.consumedPoints >= options.perAccount.points) rethrowAsLimited(res);
    },
    async recordFailure(email: string) {
      await perAccount.penalty(email, 1);
    },
    async recordSuccess(email: string) {
      await perAccount.delete(email);
    },
  };
}

function rethrowAsLimited(reason: unknown): never {
  if (reason instanceof RateLimiterRes) {
    const seconds = Math.max(1, Math.ceil(reason.msBeforeNext / 1000));
    throw Object.assign(new ApiError("rate_limited", `Too many attempts; try again in ${seconds} s`), {
      retryAfterSeconds: seconds,
    });
  }
  throw reason;
}
