import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Redis } from "ioredis";
import { RLWrapperTimeouts, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { Logger } from "../logger.ts";
import { openRedisConnection, quit, watchConnection } from "../sync/broadcast/redis-connection.ts";

/*
 * Where the account limits keep their counts (docs/architecture.md, "More than one process").
 *
 * Alone, a process counts in its own memory. With Redis, every process counts in Redis, so that N processes
 * allow what one does, not N times as much: mails to one address spread over the processes would otherwise
 * fill a stranger's mailbox N times as fast. Redis is a help here, never a dependency: while it is away
 * (refused, or not answering within WAIT_MS) each process counts in memory again, as if alone, so a limit
 * still holds per process and a request is never held up or failed by Redis. A Redis that hangs is cut by
 * the connection's heartbeat (redis-connection.ts), after which nothing waits at all.
 */

export type Limit = { points: number; durationSeconds: number };
/** Counts one point under a key; rejects with rate-limiter-flexible's RateLimiterRes past the limit. */
export type Counter = { consume(key: string): Promise<unknown> };
/** Makes the counter of one limit, `name` keeping its keys apart from the other limits'. */
export type Counters = (name: string, limit: Limit) => Counter;

export const memoryCounters: Counters = (name, limit) => new RateLimiterMemory({ keyPrefix: name, points: limit.points, duration: limit.durationSeconds });

/** Before every key in Redis: the relay's channels are `marginalia:doc:…`. */
export const LIMITS_KEY_PREFIX = "marginalia:limit:";
/** How long a count waits for Redis before this process counts it in memory: Redis answers in well under 1 ms. */
export const WAIT_MS = 250;

/**
 * Counters in Redis through `client`, each insured by one in memory. Keys are hashed: what is counted (an
 * email, a client address) is not written to Redis.
 */
export function redisCounters(client: Redis, { prefix = LIMITS_KEY_PREFIX, waitMs = WAIT_MS } = {}): Counters {
  return (name, limit) => {
    const shared = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}${name}`,
      points: limit.points,
      duration: limit.durationSeconds,
      // A connection that is down fails at once rather than after the wait.
      rejectIfRedisNotReady: true,
      // A key past its limit is refused from memory until its window ends: a flood costs Redis nothing.
      inMemoryBlockOnConsumed: limit.points + 1,
    });
    // The insurance is the wrapper's, not the Redis limiter's: an answer given up on and failing later would
    // otherwise count in memory twice.
    const bounded = new RLWrapperTimeouts({ limiter: shared, timeoutMs: waitMs, insuranceLimiter: memoryCounters(name, limit) as RateLimiterMemory });
    return { consume: (key) => bounded.consume(hashKey(key)) };
  };
}

export const hashKey = (key: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(key)));

export type SharedCounters = { counters: Counters; client: Redis; close(): Promise<void> };

/** A connection of the limits' own to `url` (the relay's are busy with documents), and counters over it. */
export function openSharedCounters(url: string, logger: Logger, options: { prefix?: string; waitMs?: number } = {}): SharedCounters {
  const client = openRedisConnection(url, "marginalia-limits");
  let closing = false;
  watchConnection(client, "limits", logger, { closing: () => closing, onReady: () => {} });
  return {
    counters: redisCounters(client, options),
    client,
    close() {
      closing = true;
      return quit(client);
    },
  };
}
