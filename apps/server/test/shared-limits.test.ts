import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LIMITS_KEY_PREFIX, type SharedCounters, openSharedCounters } from "../src/auth/limit-counters.ts";
import { createRateLimits } from "../src/auth/rate-limit.ts";
import type { Db } from "../src/db.ts";
import { createLogger } from "../src/logger.ts";
import { requiredInCi } from "./support/ci.ts";
import { type RedisServer, hasRedisServer, startRedis } from "./support/redis.ts";
import { eventually } from "./support/sync-client.ts";

/**
 * The account limits of several processes counted in one Redis (limit-counters.ts): two sets of limits, each
 * with its own connection, stand for two processes. When Redis is gone or hangs, each counts alone again.
 */

const noRedis = requiredInCi("shared-limits.test", hasRedisServer() ? null : "no redis-server binary on PATH");

/** No database: these limits never look up whether an attempt is the owner's, which only a paced account needs. */
const noDb = null as unknown as Db;
const LIMITS = { perIp: { points: 3, durationSeconds: 60 }, mailsPerAddress: { points: 4, durationSeconds: 60 } };

/** The error code an attempt was refused with, or null when it was let through; and whether Redis was still connected then. */
async function outcome(attempt: Promise<unknown>, shared: SharedCounters) {
  const code = await attempt.then(
    () => null,
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );
  return { code, connected: shared.client.status === "ready" };
}

describe.runIf(!noRedis)("account limits shared through Redis", () => {
  let redis: RedisServer;
  const opened: SharedCounters[] = [];
  /** One process's limits, on a connection of its own. */
  async function process() {
    const shared = openSharedCounters(redis.url, createLogger("silent"));
    opened.push(shared);
    await eventually(() => expect(shared.client.status).toBe("ready"), 5_000);
    return { shared, limits: createRateLimits(noDb, LIMITS, shared.counters) };
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    redis.resume();
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await redis?.kill();
  });

  it("reaches the per-IP limit and the mail limit across both processes, and writes neither the address nor the email", async () => {
    const [a, b] = [await process(), await process()];
    await a.limits.attemptFromIp("198.51.100.7");
    await b.limits.attemptFromIp("198.51.100.7");
    await a.limits.attemptFromIp("198.51.100.7");
    expect(await outcome(b.limits.attemptFromIp("198.51.100.7"), b.shared)).toEqual({ code: "rate_limited", connected: true });
    expect(await outcome(a.limits.attemptFromIp("198.51.100.7"), a.shared)).toEqual({ code: "rate_limited", connected: true });
    expect(await outcome(a.limits.attemptFromIp("198.51.100.8"), a.shared)).toEqual({ code: null, connected: true });

    for (const limits of [a, b, a, b].map((p) => p.limits)) await limits.mailTo("someone@example.org");
    expect(await outcome(a.limits.mailTo("someone@example.org"), a.shared)).toEqual({ code: "rate_limited", connected: true });
    expect(await outcome(b.limits.mailTo("someone@example.org"), b.shared)).toEqual({ code: "rate_limited", connected: true });
    // The owner's own count is apart from strangers', in Redis too.
    expect(await outcome(b.limits.mailTo("someone@example.org", "owner"), b.shared)).toEqual({ code: null, connected: true });

    const reader = new Redis(redis.url);
    const keys = await reader.keys("*");
    await reader.quit();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.startsWith(LIMITS_KEY_PREFIX)).toBe(true);
      expect(key).not.toMatch(/someone|example|198\.51/);
    }
  });

  it("counts in each process alone while Redis hangs, answering before the connection is given up on", async () => {
    const [a, b] = [await process(), await process()];
    redis.pause();
    // At once, so that every answer is due well before the heartbeat cuts the connection (3 s without a PONG).
    const burst = (p: typeof a) => [
      ...Array.from({ length: 4 }, () => outcome(p.limits.attemptFromIp("203.0.113.5"), p.shared)),
      ...Array.from({ length: 5 }, () => outcome(p.limits.mailTo("else@example.org"), p.shared)),
    ];
    const [onA, onB] = await Promise.all([Promise.all(burst(a)), Promise.all(burst(b))]);
    for (const answers of [onA, onB]) {
      expect(answers.every((answer) => answer.connected)).toBe(true);
      expect(answers.map((answer) => answer.code)).toEqual([null, null, null, "rate_limited", null, null, null, null, "rate_limited"]);
    }
  });

  it("counts in each process alone while Redis is down, and in Redis again once it is back", async () => {
    const [a, b] = [await process(), await process()];
    await redis.kill();
    await eventually(() => expect([a, b].map((p) => p.shared.client.status)).not.toContain("ready"), 5_000);
    for (const p of [a, b]) {
      for (let i = 0; i < 3; i++) expect((await outcome(p.limits.attemptFromIp("192.0.2.9"), p.shared)).code).toBeNull();
      expect((await outcome(p.limits.attemptFromIp("192.0.2.9"), p.shared)).code).toBe("rate_limited");
    }
    await redis.start();
    await eventually(() => expect([a, b].map((p) => p.shared.client.status)).toEqual(["ready", "ready"]), 10_000);
    await a.limits.mailTo("back@example.org");
    await b.limits.mailTo("back@example.org");
    await a.limits.mailTo("back@example.org");
    await b.limits.mailTo("back@example.org");
    expect(await outcome(a.limits.mailTo("back@example.org"), a.shared)).toEqual({ code: "rate_limited", connected: true });
  });
});
