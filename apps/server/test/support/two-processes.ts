import { afterAll, beforeAll, expect, inject } from "vitest";
import { type TestApp, createTestApp } from "./app.ts";
import { checkedFetch } from "./openapi.ts";
import { type ServerProcess, startServerProcess } from "./process.ts";
import { type RedisServer, hasRedisServer, startRedis } from "./redis.ts";
import { type SyncClient, eventually, openSyncClient } from "./sync-client.ts";
import { NO_SHARED_POSTGRES, requiredInCi } from "./ci.ts";

/** A server process is ready once it listens and its Redis subscriber is connected, in either order. */
export const READY = /"role":"subscriber"[^\n]*"msg":"redis connected"[\s\S]*"msg":"listening"|"msg":"listening"[\s\S]*"role":"subscriber"[^\n]*"msg":"redis connected"/;
export const LOST = /"role":"subscriber"[^\n]*"msg":"redis connection lost/g;
export const SUBSCRIBED = /"role":"subscriber"[^\n]*"msg":"redis connected"/g;

/**
 * Why two real server processes cannot run here, or null: they need a Postgres they can share and a
 * redis-server the file may crash. In CI nothing may be missing, so the file fails instead of skipping.
 */
export function twoProcessesMissing(file: string): string | null {
  return requiredInCi(file, !inject("databaseUrl") ? NO_SHARED_POSTGRES : !hasRedisServer() ? "no redis-server binary on PATH" : null, "skipping its two-process tests");
}

/**
 * Two server processes on one Postgres, relaying through a redis-server of the file's own, with an
 * in-process app for fixtures and database reads; started before the file's tests and stopped after,
 * with the sync clients opened through `open`. Call inside the file's describe.
 */
export function twoProcesses() {
  let t: TestApp;
  let redis: RedisServer;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: SyncClient[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    t = await createTestApp();
    const env = { DATABASE_URL: inject("databaseUrl")!, REDIS_URL: redis.url };
    [a, b] = await Promise.all([startServerProcess(env, { ready: READY, timeoutMs: 60_000 }), startServerProcess(env, { ready: READY, timeoutMs: 60_000 })]);
  }, 90_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    await redis?.kill();
    await t?.close();
  });
  const counts = (pattern: RegExp) => [a, b].map((server) => server.output().match(pattern)?.length ?? 0);
  return {
    get t() {
      return t;
    },
    get redis() {
      return redis;
    },
    get a() {
      return a;
    },
    get b() {
      return b;
    },
    open(...args: Parameters<typeof openSyncClient>): SyncClient {
      const client = openSyncClient(...args);
      clients.push(client);
      return client;
    },
    /** Redis down while `during` runs, then up again, and both processes subscribed again. */
    async withRelayDown(during: () => Promise<void>) {
      const [lost, connected] = [counts(LOST), counts(SUBSCRIBED)];
      await redis.kill();
      await eventually(() => expect(counts(LOST)).toEqual(lost.map((n) => n + 1)), 5_000);
      try {
        await during();
      } finally {
        await redis.start();
      }
      await eventually(() => expect(counts(SUBSCRIBED)).toEqual(connected.map((n) => n + 1)), 10_000);
    },
  };
}

/** A JSON request to one of the processes as `who` (their session cookie), checked against the API's description. */
export async function callProcess(server: ServerProcess, who: { cookie?: string }, method: string, path: string, body?: unknown) {
  const res = await checkedFetch(`${server.url}${path}`, {
    method,
    headers: { cookie: who.cookie!, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}
