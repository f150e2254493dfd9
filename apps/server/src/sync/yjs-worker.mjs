// The thread behind yjs-worker.ts: merges and state vectors for loads, and whole compactions,
// each on a database connection of its own, so that no byte of a snapshot
// crosses the server's event loop. Plain JavaScript, so that it starts
// without a TypeScript loader, from src/ and from the compiled build alike.
import { parentPort } from "node:worker_threads";
import postgres from "postgres";
import * as Y from "yjs";
import { compactDocument, fold, mergeMany } from "./yjs-jobs.mjs";
import { sliceState } from "./state-slices.mjs";
import { pack, unpack } from "../threads/packed-parts.mjs";

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

parentPort.on("message", async ({ id, kind, packed, address, docName, options, ...rest }) => {
  const parts = packed ? unpack(packed) : rest.parts;
  try {
    if (kind === "merge") {
      const state = mergeMany(parts);
      parentPort.postMessage({ id, result: { state } }, [state.buffer]);
      return;
    }
    if (kind === "state-vector") {
      const state = Y.encodeStateVectorFromUpdate(parts[0]);
      parentPort.postMessage({ id, result: { state } }, [state.buffer]);
      return;
    }
    if (kind === "slices") {
      const slices = sliceState(parts[0], options);
      const packed = slices && pack(slices);
      parentPort.postMessage({ id, result: { packed } }, packed ? [packed.bytes.buffer, packed.ends.buffer] : []);
      return;
    }
    if (kind === "fold") {
      const result = fold(parts);
      parentPort.postMessage({ id, result }, [result.state.buffer]);
      return;
    }
    const rows = await withConnection(address, (sql) => compactDocument(sql, docName, options));
    parentPort.postMessage({ id, result: { rows } });
  } catch (err) {
    parentPort.postMessage({ id, error: err?.message || String(err) });
  }
});
