import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READINESS_TIMEOUT_MS } from "../../src/readiness.ts";
import { type PostgresCluster, POSTGRES_BIN, startPostgresCluster } from "../support/postgres-cluster.ts";
import { type ServerProcess, startServerProcess } from "../support/process.ts";
import { seeded } from "../support/seed.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { type AckedWriter, type Write, ackedWrites, keepWriting } from "./support/acked-writer.ts";
import { docState, stateVector } from "./support/docs.ts";
import { sleep } from "../support/sleep.ts";
import { type ArticleOverHttp, articleOverHttp, bodyIn, inDoc, inRows, openWriters, projection } from "./support/over-http.ts";
import { report } from "./support/sizes.ts";
import { checkedFetch } from "../support/openapi.ts";
import { requiredInCi } from "../support/ci.ts";

/**
 * The database dies under a live session and comes back: a server process
 * on a Postgres cluster of this file's own takes a continuous stream of writes
 * from three clients while the cluster is killed with SIGKILL and, a few
 * seconds later, started again. Meanwhile the process stays up, alive by
 * /healthz, and answers /readyz with 503, quickly, naming the database;
 * afterwards nothing it acknowledged is missing,
 * what it had not yet acknowledged is stored too, and nobody restarted it.
 */

const missing = requiredInCi("db-outage.test", POSTGRES_BIN ? null : "no Postgres binaries (/usr/lib/postgresql/*/bin/initdb); install postgresql to run it");

const START_TIMEOUT_MS = 120_000;
/** An answer slower than this, even a 503, counts as a readiness check that hangs: the route's own limit, and room for a loaded machine. */
const HEALTH_ANSWER_MS = READINESS_TIMEOUT_MS + 1_500;

describe.runIf(!missing)("a database killed -9 mid-session", () => {
  let cluster: PostgresCluster | undefined;
  let server: ServerProcess | undefined;
  let article: ArticleOverHttp;
  let writers: AckedWriter[] = [];
  const readers: SyncClient[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    server = await startServerProcess({ DATABASE_URL: cluster.url, SEED_DEMO: "false" }, { timeoutMs: START_TIMEOUT_MS });
    article = await articleOverHttp(server.url, "Outage desk", "Outage\n\nAn article written while the database comes and goes.", ["Annotator one", "Annotator two"]);
    writers = await openWriters(article, () => server!.url);
  }, START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    try {
      for (const c of [...writers, ...readers]) c.destroy();
      await server?.stop("SIGKILL");
    } finally {
      await cluster?.destroy();
    }
  });

  /** One GET of /readyz (or /healthz), with how long it took; a request that hangs is cut off and fails the test. */
  async function health(path = "/readyz") {
    const started = Date.now();
    const res = await checkedFetch(`${server!.url}${path}`, { signal: AbortSignal.timeout(HEALTH_ANSWER_MS * 3) });
    const body = (await res.json()) as { missing?: string[] };
    return { status: res.status, ms: Date.now() - started, missing: body.missing };
  }

  it("keeps every acknowledged write, stores the rest once it is back, and is alive but not ready while it is away", async () => {
    const timing = seeded("db-outage:timing");
    const writing = keepWriting(writers, writers.map((_, i) => seeded(`db-outage:writer${i}`)), { min: 10, max: 40 });
    const figures: Record<string, unknown> = {};
    try {
      await eventually(() => expect(ackedWrites(writers)).toBeGreaterThanOrEqual(30), 30_000);
      await sleep(timing.int(1_000));
      figures.ackedBeforeKill = ackedWrites(writers);
      const killedAt = Date.now();
      await cluster!.kill();

      // Degraded quickly, and answering all along: the process is up and its event loop turns.
      await eventually(async () => expect((await health()).status).toBe(503), 5_000);
      figures.degradedAfterMs = Date.now() - killedAt;
      // A commit that landed just before the kill may still be on its way as an ack.
      await sleep(500);
      const ackedWhileDown = ackedWrites(writers);
      const outageMs = 3_000 + timing.int(3_000);
      const probes: Array<{ status: number; ms: number; missing?: string[] }> = [];
      const alive: number[] = [];
      while (Date.now() - killedAt < outageMs) {
        probes.push(await health());
        alive.push((await health("/healthz")).status);
        await sleep(200);
      }
      // A request that needs the database says it is away, as something to retry, not as a fault of ours.
      const signIn = await checkedFetch(`${server!.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "someone@example.org", password: "correct horse battery" }),
      });
      const { error } = (await signIn.json()) as { error: { code: string; message: string } };
      expect({ status: signIn.status, retryAfter: signIn.headers.get("retry-after"), code: error.code }).toEqual({
        status: 503,
        retryAfter: "5",
        code: "unavailable",
      });
      expect(error.message).toContain("cannot be reached right now");
      expect(probes.filter((p) => p.status !== 503 || p.missing?.join() !== "database"), "readiness while the database is down").toEqual([]);
      expect(alive.filter((status) => status !== 200), "liveness while the database is down").toEqual([]);
      expect(Math.max(...probes.map((p) => p.ms)), "slowest health answer while the database is down").toBeLessThan(HEALTH_ANSWER_MS);
      expect(server!.child.exitCode, `the server died with its database:\n${server!.output().slice(-3_000)}`).toBeNull();
      const ackedAtRestart = ackedWrites(writers);
      expect(ackedAtRestart, "writes acknowledged with no database").toBe(ackedWhileDown);
      const unackedAtRestart = writers.flatMap((w) => w.writes.filter((x) => !w.isAcked(x)));
      Object.assign(figures, {
        outageMs: Date.now() - killedAt,
        healthProbes: probes.length,
        slowestHealthMs: Math.max(...probes.map((p) => p.ms)),
        unackedAtRestart: unackedAtRestart.length,
      });

      const restarting = Date.now();
      await cluster!.start();
      const restartedAt = Date.now();
      figures.postgresRestartMs = restartedAt - restarting;
      // The driver waits up to 20 s between reconnection attempts, and the committer up to 5 s between retries.
      await eventually(() => expect(ackedWrites(writers)).toBeGreaterThan(ackedAtRestart), 45_000);
      figures.recoveryMs = Date.now() - restartedAt;
      await eventually(async () => expect((await health()).status).toBe(200), 15_000);
      figures.healthyAfterMs = Date.now() - restartedAt;
      // The writers carry on for a while on the recovered process.
      await sleep(500 + timing.int(1_500));
      await writing.stop();

      // Settled once the writers hold their acks and the reader's copy, and the document and the projection hold
      // every write; judged below either way, so that the figures are reported.
      const all = writers.flatMap((w) => w.writes);
      const reader = openSyncClient(server!.url, article.room, writers[0]!.token);
      readers.push(reader);
      await eventually(async () => {
        for (const w of writers) expect(w.writes.every((x) => w.isAcked(x))).toBe(true);
        expect(reader.provider.synced && all.every((x) => inDoc(reader.doc, x))).toBe(true);
        for (const w of writers) expect(stateVector(w.doc)).toEqual(stateVector(reader.doc));
        const rows = await projection(server!.url, article.owner.cookie, article.articleId);
        expect(all.every((x) => inRows(rows, x))).toBe(true);
      }, 30_000).catch(() => {});
      const rows = await projection(server!.url, article.owner.cookie, article.articleId);
      const stored = (x: Write) => inDoc(reader.doc, x) && inRows(rows, x);
      const acked = writers.flatMap((w) => w.writes.filter((x) => w.isAcked(x)));
      const lost = acked.filter((x) => !stored(x));
      Object.assign(figures, {
        writes: all.length,
        ackedAtEnd: acked.length,
        ackedAfterRestart: acked.length - ackedAtRestart,
        unackedAtRestartStored: unackedAtRestart.filter(stored).length,
        notStored: all.filter((x) => !stored(x)).length,
        lost: lost.length,
        socketCloses: writers.map((w) => w.closes.length),
      });
      expect(lost, "acknowledged writes lost").toEqual([]);
      expect(all.filter((x) => !stored(x)), "writes not stored").toEqual([]);
      for (const w of writers) {
        expect(stateVector(w.doc), `${w.label} state vector`).toEqual(stateVector(reader.doc));
        expect(docState(w.doc), `${w.label} document`).toEqual(docState(reader.doc));
      }
      for (const [id, body] of rows) expect(body, id).toBe(bodyIn(reader.doc, id));
      // A connection that stayed open through the outage has every write acknowledged once the database is
      // back. (One that closed would have had its provider send the unacknowledged writes again on a new
      // connection, where what was already stored is neither sent nor acknowledged again.)
      expect(writers.map((w) => w.closes)).toEqual(writers.map(() => []));
      expect(acked.length).toBe(all.length);
      expect((await health()).status).toBe(200);
    } finally {
      await writing.stop();
      report("db-outage", figures);
    }
  }, 110_000);
});
