import { describe, expect, it } from "vitest";
import type { Db } from "../db.ts";
import { createRateLimits } from "./rate-limit.ts";

/** No database: these limits never look up whether an attempt is the owner's, which only a paced account needs. */
const noDb = null as unknown as Db;

const rejected = async (attempt: () => unknown) => {
  try {
    await attempt();
    return null;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe("rate limits by address", () => {
  it("counts the addresses of one IPv6 /64 as one client, and an IPv4-mapped address as its IPv4 address", async () => {
    const limits = createRateLimits(noDb, { perIp: { points: 3, durationSeconds: 60 } });
    for (let i = 1; i <= 3; i++) await limits.attemptFromIp(`2001:db8:5:6::${i}`);
    expect(await rejected(() => limits.attemptFromIp("2001:db8:5:6:ffff::99"))).toBe("rate_limited");
    expect(await rejected(() => limits.attemptFromIp("2001:db8:5:7::1"))).toBeNull();

    for (let i = 0; i < 3; i++) await limits.attemptFromIp("198.51.100.4");
    expect(await rejected(() => limits.attemptFromIp("::ffff:198.51.100.4"))).toBe("rate_limited");
  });

  it("backs off a guesser who moves around inside one /64", async () => {
    const limits = createRateLimits(noDb, { perIp: { points: 1_000, durationSeconds: 60 }, backoff: { freeFailures: 3 } });
    for (let i = 1; i <= 3; i++) {
      const ip = `2001:db8:9:9::${i}`;
      await limits.assertLoginAllowed("a@x", ip);
      limits.recordFailure("a@x", ip);
    }
    expect(await rejected(() => limits.assertLoginAllowed("a@x", "2001:db8:9:9::4"))).toBe("rate_limited");
    expect(await rejected(() => limits.assertLoginAllowed("a@x", "2001:db8:9:a::1"))).toBeNull();
  });
});
