import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { annotationsOf } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../support/process.ts";
import { seeded } from "../support/seed.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { type AckedWriter, ackedWrites } from "./support/acked-writer.ts";
import { docState, stateVector } from "./support/docs.ts";
import { sleep } from "../support/sleep.ts";
import { articleOverHttp, bodyIn, inDoc, inRows, openWriters, projection as projectionOf } from "./support/over-http.ts";
import { SIZES, budget, report } from "./support/sizes.ts";

/**
 * Durability under kill -9: a real server process, on
 * Postgres when the run has one and on PGlite in a data directory otherwise,
 * takes a continuous stream of writes from three clients and is killed with
 * SIGKILL at a random moment, again and again. After each restart every write
 * the server had acknowledged is in the document and in the projection; then
 * the clients reconnect their documents to the new process and all converge.
 */

const databaseUrl = inject("databaseUrl");
const dataDir = databaseUrl ? null : mkdtempSync(path.join(tmpdir(), "marginalia-kill9-"));
const env: Record<string, string> = databaseUrl
  ? { DATABASE_URL: databaseUrl, SEED_DEMO: "false" }
  : { DATA_DIR: path.join(dataDir!, "db"), SEED_DEMO: "false" };
// Starting the process (tsx, migrations, PGlite's WASM) is most of a cycle; a loaded machine makes it slow.
const START_TIMEOUT_MS = 120_000;
/** When each write lands and when each kill does: drawn from the run's seed (test/support/seed.ts). */
const rng = seeded("kill9");

let server: ServerProcess;
let cookie = "";
let articleId = "";
let room = "";
const writers: AckedWriter[] = [];

const wsUrl = () => `${server.url.replace(/^http/, "ws")}/sync`;
const projection = () => projectionOf(server.url, cookie, articleId);

beforeAll(async () => {
  server = await startServerProcess(env, { timeoutMs: START_TIMEOUT_MS });
  const made = await articleOverHttp(server.url, "Durability desk", "Kill nine\n\nAn article written under fire.", ["Annotator one", "Annotator two"]);
  cookie = made.owner.cookie;
  articleId = made.articleId;
  room = made.room;
  writers.push(...(await openWriters(made, () => server.url)));
}, START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const w of writers) w.destroy();
  await server?.stop("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("durability under kill -9", () => {
  it(
    `loses no acknowledged write over ${SIZES.killCycles} SIGKILL cycles, and the clients converge after each`,
    async () => {
      const started = Date.now();
      const figures = {
        database: databaseUrl ? "postgres" : "pglite",
        cycles: 0,
        writes: 0,
        ackMessages: 0,
        ackedWrites: 0,
        unackedAtKill: 0,
        unackedSurvivedKill: 0,
        lost: 0,
        resyncRefusals: 0,
        droppedUnacked: 0,
        restartMs: [] as number[],
      };
      for (let cycle = 1; cycle <= SIZES.killCycles; cycle++) {
        // Write load: each client writes every few milliseconds; the kill lands at a random moment,
        // once the new process has acknowledged something (a cold process takes a while to).
        const firstWrite = writers.map((w) => w.writes.length);
        const ackedCount = () => ackedWrites(writers);
        const ackedBefore = ackedCount();
        let writing = true;
        const loops = writers.map(async (w) => {
          while (writing) {
            w.write(rng.next());
            await sleep(rng.int(12));
          }
        });
        await eventually(() => expect(ackedCount()).toBeGreaterThan(ackedBefore), 30_000);
        await sleep(rng.int(700));
        expect(server.child.exitCode, `the server crashed on its own:\n${server.output().slice(-3_000)}`).toBeNull();
        await server.stop("SIGKILL");
        writing = false;
        await Promise.all(loops);
        for (const w of writers) w.disconnect();

        const all = writers.flatMap((w) => w.writes.map((write) => ({ w, write })));
        const acked = all.filter(({ w, write }) => w.isAcked(write));
        // This cycle's writes that were still waiting for their ack when the process died.
        const unacked = writers.flatMap((w, i) => w.writes.slice(firstWrite[i]).filter((x) => !w.isAcked(x)));
        expect(acked.length, "some writes were acknowledged before the kill").toBeGreaterThan(0);

        const restartStarted = Date.now();
        server = await startServerProcess(env, { timeoutMs: START_TIMEOUT_MS });
        figures.restartMs.push(Date.now() - restartStarted);

        // Before anyone resyncs: what the database alone holds.
        const reader: SyncClient = openSyncClient(server.url, room, writers[0]!.token);
        try {
          await eventually(() => expect(reader.provider.synced).toBe(true), 30_000);
          const rows = await projection();
          const lost = acked.filter(({ write }) => !inDoc(reader.doc, write) || !inRows(rows, write));
          figures.lost += lost.length;
          expect(
            lost.map(({ write }) => ({ ...write, inDocument: inDoc(reader.doc, write), inProjection: inRows(rows, write) })),
            `acknowledged writes lost in cycle ${cycle}`,
          ).toEqual([]);
          figures.unackedAtKill += unacked.length;
          figures.unackedSurvivedKill += unacked.filter((write) => inDoc(reader.doc, write)).length;

          // The clients reconnect their documents to the new process.
          for (const w of writers) w.reconnect(wsUrl());
          await eventually(() => {
            for (const w of writers) expect(w.resynced || w.refused, `${w.label} resynced`).toBe(true);
          }, 30_000);
          // A client that holds another client's update which the crash lost is refused on resync: its step 2
          // carries that update, and authorization checks every item against the sender's own rights
          // ("annotations must be created with yourself as author"). Like the web client, it drops its copy and
          // joins afresh; the author's own resync brings such an update back, if the author still holds it.
          // Counted below (resyncRefusals, droppedUnacked): a known limit of the design, not a lost ack.
          const refused = writers.filter((w) => w.refused);
          if (refused.length) {
            for (const w of refused) {
              figures.resyncRefusals++;
              figures.droppedUnacked += w.rejoin(wsUrl(), (write) => inDoc(reader.doc, write));
            }
          }
          await eventually(() => {
            for (const w of writers) {
              expect(w.synced, `${w.label} synced in cycle ${cycle} (closes: ${JSON.stringify(w.closes.slice(-3))})`).toBe(true);
              expect(stateVector(w.doc), `${w.label} state vector`).toEqual(stateVector(reader.doc));
              expect(docState(w.doc), `${w.label} document`).toEqual(docState(reader.doc));
            }
          }, 30_000);
          // Every write still held by a client is back, and the projection follows the document.
          const missing = writers.flatMap((w) => w.writes.filter((write) => !write.discarded && !inDoc(reader.doc, write)));
          expect(missing, "writes the clients held and resync did not bring back").toEqual([]);
          await eventually(async () => {
            const now = await projection();
            const doc = [...annotationsOf(reader.doc).keys()].sort();
            expect([...now.keys()].sort()).toEqual(doc);
            for (const id of doc) expect(now.get(id), id).toBe(bodyIn(reader.doc, id));
          }, 30_000);
        } finally {
          reader.destroy();
        }
        figures.cycles = cycle;
      }
      figures.ackedWrites = ackedWrites(writers);
      figures.writes = writers.reduce((n, w) => n + w.writes.length, 0);
      figures.ackMessages = writers.reduce((n, w) => n + w.acksReceived, 0);
      report("kill9", {
        ...figures,
        restartMs: { min: Math.min(...figures.restartMs), max: Math.max(...figures.restartMs) },
        seconds: Math.round((Date.now() - started) / 1000),
      });
      expect(figures.cycles).toBe(SIZES.killCycles);
      expect(figures.lost).toBe(0);
    },
    budget(SIZES.killCycles, START_TIMEOUT_MS / 2, 120_000),
  );
});
