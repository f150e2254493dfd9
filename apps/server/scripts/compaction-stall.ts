// How long compaction holds the event loop, for a large document under steady writes: the stall every
// socket of the process would feel. A document of N annotations is stored as a snapshot, then
// COMPACT_AFTER_ROWS small edits are logged after it, and DocStore.compact runs twice (a fold of the
// tail into a log row, then a full fold into the snapshot, as a growing tail eventually forces) while
// perf_hooks watches the event loop.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/db npx tsx apps/server/scripts/compaction-stall.ts 10000 30000
//   without BENCH_DATABASE_URL it runs on an embedded database (PGlite on its thread)
import { monitorEventLoopDelay } from "node:perf_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import * as Y from "yjs";
import { annotationsOf, createAnnotation } from "@marginalia/schema";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import { type Database, databaseOnPostgres } from "../src/db.ts";
import { startEmbeddedDatabase } from "../src/embedded/database.ts";
import { COMPACT_AFTER_ROWS, DocStore } from "../src/sync/persist/doc-store.ts";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const BODY = "x".repeat(200);

async function open(): Promise<{ database: Database; done: () => Promise<void> }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (url) {
    const database = databaseOnPostgres(url, { max: 4 });
    await database.migrate();
    return { database, done: () => database.close() };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), "marginalia-stall-"));
  const database = await startEmbeddedDatabase({ dataDir });
  await database.migrate();
  return { database, done: async () => (await database.close(), rmSync(dataDir, { recursive: true, force: true })) };
}

/** The longest the event loop was held, and the 99th percentile, while `fn` ran. */
async function watched<T>(fn: () => Promise<T>): Promise<{ result: T; maxMs: number; p99Ms: number; ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  // A timer that is always due: without one, an idle loop waiting on I/O shows no delay at all.
  const tick = setInterval(() => {}, 1);
  h.enable();
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  h.disable();
  clearInterval(tick);
  return { result, maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, ms };
}

async function measure(database: Database, annotations: number) {
  const { db } = database;
  const docName = `stall:${annotations}:${process.pid}`;
  const doc = new Y.Doc();
  const ids: string[] = [];
  doc.transact(() => {
    for (let i = 0; i < annotations; i++) ids.push(createAnnotation(doc, { kind: "comment", authorId: "bench", body: BODY }));
  });
  await db.insert(docUpdates).values({ docName, update: Y.encodeStateAsUpdate(doc), userId: null });
  const store = new DocStore(db);
  await store.compact(docName);
  const [snapshot] = await db.select({ state: docSnapshots.state }).from(docSnapshots).where(eq(docSnapshots.docName, docName));
  // Edits of existing annotations, as a steady write loop makes them.
  const edits = async () => {
    const rows: Uint8Array[] = [];
    const off = (u: Uint8Array) => rows.push(u);
    doc.on("update", off);
    for (let i = 0; i < COMPACT_AFTER_ROWS; i++) {
      const body = annotationsOf(doc).get(ids[i % ids.length]!)!.get("body") as Y.Text;
      body.insert(0, "e");
    }
    doc.off("update", off);
    await db.insert(docUpdates).values(rows.map((update) => ({ docName, update, userId: null })));
  };
  await edits();
  const tail = await watched(() => store.compact(docName));
  // A tail as large as the snapshot goes into it: the full fold.
  for (let i = 0; i < 4; i++) await edits();
  const big = Y.encodeStateAsUpdate(doc);
  await db.insert(docUpdates).values({ docName, update: big, userId: null });
  const fold = await watched(() => store.compact(docName));
  const load = await watched(() => store.load(docName));
  const idle = await watched(() => new Promise((r) => setTimeout(r, 2_000)));
  await db.delete(docUpdates).where(eq(docUpdates.docName, docName));
  await db.delete(docSnapshots).where(eq(docSnapshots.docName, docName));
  const f = (w: { maxMs: number; p99Ms: number; ms: number }) => `${w.ms.toFixed(0)} ms, loop held ≤ ${w.maxMs.toFixed(1)} ms (p99 ${w.p99Ms.toFixed(1)})`;
  console.log(`${annotations} annotations, snapshot ${((snapshot?.state.byteLength ?? 0) / 1e6).toFixed(1)} MB (${database.kind})`);
  console.log(`  tail compaction (${COMPACT_AFTER_ROWS} rows into one): ${f(tail)}`);
  console.log(`  full fold into the snapshot:                ${f(fold)}`);
  console.log(`  load (for comparison, not on the write path): ${f(load)}`);
  console.log(`  nothing (the machine's noise, 2 s):          ${f(idle)}`);
}

const { database, done } = await open();
try {
  for (const n of sizes.length ? sizes : [10_000, 30_000]) await measure(database, n);
} finally {
  await done();
}
