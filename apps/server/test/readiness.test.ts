import { mkdtempSync, rmSync } from "node:fs";
import { type Server, type Socket, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, databaseOnPostgres } from "../src/db.ts";
import { startEmbeddedDatabase } from "../src/embedded/database.ts";
import { createLogger } from "../src/logger.ts";
import { READINESS_TIMEOUT_MS } from "../src/readiness.ts";
import { DocStore } from "../src/sync/persist/doc-store.ts";
import { RedisRelay } from "../src/sync/broadcast/relay.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { openTestDatabase } from "./support/database.ts";
import { type RedisServer, freePort, hasRedisServer, startRedis } from "./support/redis.ts";
import { eventually } from "./support/sync-client.ts";
import { checkedRequest } from "./support/openapi.ts";
import { requiredInCi } from "./support/ci.ts";

const noRedis = requiredInCi("readiness.test", hasRedisServer() ? null : "no redis-server binary on PATH", "skipping the Redis restart case");

/**
 * A just-opened embedded database on a busy machine may take longer than the readiness limit to answer its
 * first query, and a relay a moment to connect: a case is judged on the answer once they have had this long.
 */
const WARM_UP_MS = 15_000;

async function probe(t: TestApp, route: "/healthz" | "/readyz") {
  const started = Date.now();
  const res = await checkedRequest(t.app, route);
  return { status: res.status, body: (await res.json()) as { status: string; missing?: string[] }, ms: Date.now() - started };
}

/** Runs `use` on an app on `database`, with a relay to `redisUrl` when given, and stops the app (and its relay) after. */
async function withApp(database: Database, use: (t: TestApp) => Promise<void>, redisUrl?: string) {
  const relay = redisUrl ? new RedisRelay({ url: redisUrl, logger: createLogger("silent"), store: new DocStore(database.db) }) : undefined;
  const t = await createTestApp({ database, ...(relay && { sync: { relay } }) });
  try {
    await use(t);
  } finally {
    await t.stop();
  }
}

describe("/healthz and /readyz", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it("answer 200 when the database answers with every migration", async () => {
    await withApp(database, async (t) => {
      expect(await probe(t, "/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
      await eventually(async () => expect(await probe(t, "/readyz")).toMatchObject({ status: 200, body: { status: "ok" } }), WARM_UP_MS);
    });
  });

  it("/readyz names the relay while it cannot reach Redis; /healthz stays 200", async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    await withApp(
      database,
      async (t) => {
        await eventually(async () => expect(await probe(t, "/readyz")).toMatchObject({ status: 503, body: { status: "unavailable", missing: ["relay"] } }), WARM_UP_MS);
        expect((await probe(t, "/healthz")).status).toBe(200);
      },
      nobody,
    );
  });

  describe.runIf(!noRedis)("with a Redis this file may kill", () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis?.kill());

    it("/readyz follows the relay's connection through a Redis restart", async () => {
      await withApp(
        database,
        async (t) => {
          await eventually(async () => expect((await probe(t, "/readyz")).status).toBe(200), WARM_UP_MS);
          await redis.kill();
          await eventually(async () => expect((await probe(t, "/readyz")).body.missing).toEqual(["relay"]), 10_000);
          await redis.start();
          await eventually(async () => expect(await probe(t, "/readyz")).toMatchObject({ status: 200, body: { status: "ok" } }), 10_000);
        },
        redis.url,
      );
    }, 40_000);
  });
});

describe("/readyz on a database that cannot serve", () => {
  let silent: Server;
  const dirs: string[] = [];
  const closing: Promise<void>[] = [];
  afterAll(async () => {
    await Promise.all(closing);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("names the database when it does not answer in time, and answers anyway", async () => {
    // Takes connections and never says a word: a database that hangs rather than refuses.
    const sockets = new Set<Socket>();
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const database = databaseOnPostgres(`postgres://postgres@127.0.0.1:${port}/none`, { max: 1 });
    try {
      await withApp(database, async (t) => {
        const ready = await probe(t, "/readyz");
        expect(ready).toMatchObject({ status: 503, body: { status: "unavailable", missing: ["database"] } });
        expect(ready.ms).toBeLessThan(READINESS_TIMEOUT_MS + 1_500);
        expect((await probe(t, "/healthz")).status).toBe(200);
      });
    } finally {
      silent.close();
      for (const socket of sockets) socket.destroy();
      // The driver gives the query it never got an answer to its 5 s before closing: awaited after the next case.
      closing.push(database.close());
    }
  });

  it("names the migrations on a database that was never migrated", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "marginalia-unmigrated-"));
    dirs.push(dir);
    const database = await startEmbeddedDatabase({ dataDir: dir });
    try {
      await withApp(database, async (t) => {
        await eventually(async () => expect(await probe(t, "/readyz")).toMatchObject({ status: 503, body: { status: "unavailable", missing: ["migrations"] } }), WARM_UP_MS);
      });
    } finally {
      await database.close();
    }
  }, 30_000);
});
