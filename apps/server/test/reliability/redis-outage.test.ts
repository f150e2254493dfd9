import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type * as Y from "yjs";
import { type PostgresCluster, POSTGRES_BIN, startPostgresCluster } from "../support/postgres-cluster.ts";
import { type ServerProcess, startServerProcess } from "../support/process.ts";
import { type RedisServer, hasRedisServer, startRedis } from "../support/redis.ts";
import { seeded } from "../support/seed.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { type AckedWriter, type Write, ackedWrites, keepWriting } from "./support/acked-writer.ts";
import { docState, stateVector } from "./support/docs.ts";
import { sleep } from "../support/sleep.ts";
import { type ArticleOverHttp, articleOverHttp, bodyIn, inDoc, inRows, openWriters, projection } from "./support/over-http.ts";
import { report } from "./support/sizes.ts";
import { requiredInCi } from "../support/ci.ts";
import { LOST, READY, SUBSCRIBED } from "../support/two-processes.ts";

/**
 * Redis dies between two server processes and comes back: clients on each
 * process write to one article while this file's own redis-server is killed
 * with SIGKILL and, a few seconds later, started again on the same port.
 * Meanwhile each process goes on storing and acknowledging its own clients'
 * writes; afterwards both converge again, without a restart: a client on
 * either process has every write made through the other, and none of the
 * acknowledged ones is missing from the database.
 */

// Two processes must share a database: the run's Postgres when it has one, else a cluster of this file's own.
const sharedDatabase = inject("databaseUrl");
const missing = requiredInCi(
  "redis-outage.test",
  !hasRedisServer()
    ? "no redis-server binary on PATH"
    : !sharedDatabase && !POSTGRES_BIN
      ? "no shared Postgres (TEST_DATABASE_URL) and no Postgres binaries (/usr/lib/postgresql/*/bin/initdb) to start one"
      : null,
);

const START_TIMEOUT_MS = 120_000;
const count = (server: ServerProcess, pattern: RegExp) => server.output().match(pattern)?.length ?? 0;
const missingFrom = (doc: Y.Doc, writes: readonly Write[]) => writes.filter((x) => !inDoc(doc, x));

describe.runIf(!missing)("Redis killed -9 between two server processes", () => {
  let redis: RedisServer | undefined;
  let cluster: PostgresCluster | undefined;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let article: ArticleOverHttp;
  /** Two clients on process A, then two on process B. */
  let writers: AckedWriter[] = [];
  const readers: SyncClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    if (!sharedDatabase) cluster = await startPostgresCluster();
    const env = { DATABASE_URL: sharedDatabase ?? cluster!.url, REDIS_URL: redis.url, SEED_DEMO: "false" };
    // One after the other: a fresh cluster is migrated by the first to start.
    a = await startServerProcess(env, { ready: READY, timeoutMs: START_TIMEOUT_MS });
    b = await startServerProcess(env, { ready: READY, timeoutMs: START_TIMEOUT_MS });
    article = await articleOverHttp(a.url, "Relay desk", "Relay\n\nAn article written from two processes.", ["One", "Two", "Three"]);
    writers = await openWriters(article, (i) => (i < 2 ? a! : b!).url);
  }, 2 * START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    try {
      for (const c of [...writers, ...readers]) c.destroy();
      await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    } finally {
      await redis?.kill();
      await cluster?.destroy();
    }
  });

  it("stores each process's writes while Redis is away, and converges both once it is back", async () => {
    const [onA, onB] = [writers.slice(0, 2), writers.slice(2)];
    const timing = seeded("redis-outage:timing");
    const writing = keepWriting(writers, writers.map((_, i) => seeded(`redis-outage:writer${i}`)), { min: 15, max: 45 });
    const figures: Record<string, unknown> = { database: sharedDatabase ? "shared postgres" : "own postgres cluster" };
    try {
      await eventually(() => {
        expect(ackedWrites(onA)).toBeGreaterThanOrEqual(15);
        expect(ackedWrites(onB)).toBeGreaterThanOrEqual(15);
      }, 30_000);
      // The relay works before the outage: the first writes of each side have reached the other.
      const early = writers.flatMap((w) => w.writes.slice(0, 5));
      await eventually(() => {
        for (const w of writers) expect(missingFrom(w.doc, early), `${w.label} has the first writes`).toEqual([]);
      }, 10_000);
      await sleep(timing.int(1_000));

      const subscribed = [count(a!, SUBSCRIBED), count(b!, SUBSCRIBED)];
      const lost = [count(a!, LOST), count(b!, LOST)];
      const killedAt = Date.now();
      await redis!.kill();
      await eventually(() => expect([count(a!, LOST), count(b!, LOST)]).toEqual([lost[0]! + 1, lost[1]! + 1]), 10_000);
      figures.noticedAfterMs = Date.now() - killedAt;
      // From here on a write can cross from one process to the other only once Redis is back.
      const cutoff = writers.map((w) => w.writes.length);
      const since = (side: AckedWriter[]) => side.flatMap((w) => w.writes.slice(cutoff[writers.indexOf(w)]));
      const ackedAtLoss = [ackedWrites(onA), ackedWrites(onB)];

      // Each process goes on storing and acknowledging its own clients' writes.
      await eventually(() => {
        expect(ackedWrites(onA)).toBeGreaterThan(ackedAtLoss[0]! + 10);
        expect(ackedWrites(onB)).toBeGreaterThan(ackedAtLoss[1]! + 10);
      }, 15_000);
      await sleep(Math.max(0, killedAt + 2_000 + timing.int(2_000) - Date.now()));
      // And nothing crossed meanwhile, which shows the outage was real: Redis is the only way across.
      const crossed = [...since(onA).filter((x) => onB.some((w) => inDoc(w.doc, x))), ...since(onB).filter((x) => onA.some((w) => inDoc(w.doc, x)))];
      expect(crossed, "writes that crossed between processes with Redis down").toEqual([]);
      expect([a!.child.exitCode, b!.child.exitCode], "both processes outlive Redis").toEqual([null, null]);
      Object.assign(figures, {
        outageMs: Date.now() - killedAt,
        ackedDuringOutage: { a: ackedWrites(onA) - ackedAtLoss[0]!, b: ackedWrites(onB) - ackedAtLoss[1]! },
        writtenDuringOutage: { a: since(onA).length, b: since(onB).length },
      });

      const beforeRestart = writers.flatMap((w) => [...w.writes]);
      await redis!.start();
      const restartedAt = Date.now();
      await eventually(() => {
        for (const w of writers) expect(missingFrom(w.doc, beforeRestart).length, `${w.label} lacks writes made before the restart`).toBe(0);
      }, 30_000);
      figures.convergedAfterMs = Date.now() - restartedAt;
      await eventually(() => expect([count(a!, SUBSCRIBED), count(b!, SUBSCRIBED)]).toEqual([subscribed[0]! + 1, subscribed[1]! + 1]), 15_000);
      figures.resubscribedAfterMs = Date.now() - restartedAt;
      // The writers carry on for a while through the relay, which is back.
      await sleep(500 + timing.int(1_000));
    } finally {
      await writing.stop();
      report("redis-outage", figures);
    }

    const all = writers.flatMap((w) => w.writes);
    // Each process's own copy, as a newcomer gets it, must hold everything too.
    const fresh = [openSyncClient(a!.url, article.room, writers[0]!.token), openSyncClient(b!.url, article.room, writers[2]!.token)];
    readers.push(...fresh);
    const copies = [...writers, ...fresh];
    const rowsVia = () => Promise.all([a!, b!].map((server) => projection(server.url, article.owner.cookie, article.articleId)));
    // Settled once every copy and the projection, read through either process, hold every write; judged below.
    await eventually(async () => {
      for (const c of copies) expect(missingFrom(c.doc, all).length).toBe(0);
      for (const c of copies) expect(stateVector(c.doc)).toEqual(stateVector(writers[0]!.doc));
      for (const w of writers) expect(w.writes.every((x) => w.isAcked(x))).toBe(true);
      for (const rows of await rowsVia()) expect(all.every((x) => inRows(rows, x))).toBe(true);
    }, 30_000).catch(() => {});
    const rows = await rowsVia();
    const acked = writers.flatMap((w) => w.writes.filter((x) => w.isAcked(x)));
    const stored = (x: Write) => copies.every((c) => inDoc(c.doc, x)) && rows.every((r) => inRows(r, x));
    const lost = acked.filter((x) => !stored(x));
    report("redis-outage", {
      writes: all.length,
      acked: acked.length,
      lost: lost.length,
      notStored: all.filter((x) => !stored(x)).length,
      socketCloses: writers.map((w) => w.closes.length),
    });
    expect(lost, "acknowledged writes lost").toEqual([]);
    expect(all.filter((x) => !stored(x)), "writes not stored, or missing from a copy").toEqual([]);
    for (const c of copies) expect(docState(c.doc)).toEqual(docState(writers[0]!.doc));
    for (const c of copies) expect(stateVector(c.doc)).toEqual(stateVector(writers[0]!.doc));
    for (const [id, body] of rows[0]!) expect(body, id).toBe(bodyIn(writers[0]!.doc, id));
    expect(rows[1]).toEqual(rows[0]);
    // No socket closed: every write was acknowledged on the connection that carried it.
    expect(writers.map((w) => w.closes)).toEqual(writers.map(() => []));
    expect(acked.length).toBe(all.length);
  }, 110_000);
});
