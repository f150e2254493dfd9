// The thread behind yjs-worker.ts: merges and state vectors for loads, and whole compactions,
// each on a database connection of its own, so that no byte of a snapshot
// crosses the server's event loop. Plain JavaScript, so that it starts
// without a TypeScript loader, from src/ and from the compiled build alike.
import { getHeapStatistics } from "node:v8";
import { parentPort } from "node:worker_threads";
import postgres from "postgres";
import { byteJob, compactDocument } from "./yjs-jobs.mjs";
import { sliceState } from "../document/state-slices.mjs";
import { pack, partsAndPacked } from "../../threads/packed-parts.mjs";

/**
 * A heap this large after a job (folding or cutting a document of some
 * 10,000 annotations gets there) ends this thread once it is idle
 * (threads/worker-link.ts, `retire`): its pages would otherwise stay with the
 * process. A new thread costs some 50 ms of its own.
 */
const RETIRE_ABOVE_BYTES = 64 * 2 ** 20;

/** A connection unused this long is closed: its database may be stopping (tests start and stop many). */
const IDLE_CLOSE_MS = 10_000;
const connections = new Map();

/** Runs `use` with a connection to `address`, opened on first use and closed once idle for a while. */
async function withConnection({ url, path }, use) {
  const key = `${url}\n${path ?? ""}`;
  let entry = connections.get(key);
  if (!entry) {
    entry = { sql: postgres(url, { max: 1, onnotice: () => {}, ...(path && { path }) }), users: 0, timer: null };
    connections.set(key, entry);
  }
  clearTimeout(entry.timer);
  entry.users++;
  try {
    return await use(entry.sql);
  } finally {
    if (--entry.users === 0) {
      entry.timer = setTimeout(() => {
        connections.delete(key);
        void entry.sql.end({ timeout: 1 }).catch(() => {});
      }, IDLE_CLOSE_MS);
      entry.timer.unref();
    }
  }
}

/** Posts a job's answer, asking to be retired when the heap it left is large; idle connections are closed first. */
async function answer(message, transfer = []) {
  const retire = getHeapStatistics().total_heap_size > RETIRE_ABOVE_BYTES;
  if (retire) {
    for (const [key, entry] of connections) {
      if (entry.users > 0) continue;
      clearTimeout(entry.timer);
      connections.delete(key);
      await entry.sql.end({ timeout: 1 }).catch(() => {});
    }
  }
  parentPort.postMessage(retire ? { ...message, retire } : message, transfer);
}

parentPort.on("message", async ({ id, kind, packed, address, docName, options, ...rest }) => {
  const parts = partsAndPacked(rest.parts, packed);
  try {
    if (kind === "slices") {
      const slices = sliceState(parts[0], options);
      const packed = slices && pack(slices);
      await answer({ id, result: { packed } }, packed ? [packed.bytes.buffer, packed.ends.buffer] : []);
      return;
    }
    if (kind !== "compact") {
      const result = byteJob(kind, parts, options);
      await answer({ id, result }, result.state ? [result.state.buffer] : []);
      return;
    }
    const rows = await withConnection(address, (sql) => compactDocument(sql, docName, options));
    await answer({ id, result: { rows } });
  } catch (err) {
    await answer({ id, error: err?.message || String(err) });
  }
});
