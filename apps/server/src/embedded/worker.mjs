// The embedded database's thread: PGlite (Postgres in WASM) behind a Postgres
// wire-protocol socket, so that its work never runs on the server's event loop
// and the server reaches it through postgres.js exactly as it reaches a real
// Postgres. Compaction's byte-heavy reads and writes run here too, straight on
// PGlite (compaction.mjs), and so does vacuuming (maintenance.mjs). Plain
// JavaScript, so that it starts without a TypeScript loader.
import { readFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { readForCompaction, writeCompaction } from "./compaction.mjs";
import { withDiskFlushes } from "./flush.mjs";
import { prepareDataDir } from "./fresh-data-dir.mjs";
import { tableSizes, vacuumTable } from "./maintenance.mjs";
import { compilePglite, limitSessionMemory } from "./wasm.mjs";

const { dataDir, template, socketPath } = workerData;
/** How many flushes reached the disk (flush.mjs), for the `flushes` job. */
let flushes = { fdatasync: 0, fsync: 0 };

/** The jobs the server's thread may ask for by name; each answers `{ id, result }` or `{ id, error }`. */
const jobs = {
  "compact-read": (db, { docName, options }) => readForCompaction(db, docName, options),
  "compact-write": (db, { write }) => writeCompaction(db, write),
  "table-sizes": (db) => tableSizes(db),
  memory: (db) => {
    const heap = getHeapStatistics();
    return { heapBytes: heap.used_heap_size, heapPhysicalBytes: heap.total_physical_size, wasmBytes: db.mod?.HEAPU8?.byteLength ?? null };
  },
  flushes: () => ({ ...flushes }),
  vacuum: (db, message) => vacuumTable(db, message),
};

/**
 * The database as the socket server sees it. PGlite parses every message it
 * answers with into a list that only execProtocol empties, and the socket
 * server calls execProtocolRaw: the list kept every row and notice the
 * embedded database ever sent (54 MB of the thread's heap after a minute of
 * the many-rooms bench, and growing). execProtocol answers with the same
 * bytes and empties the list; errors stay in the bytes, as on a socket.
 */
function rawProtocolOnly(db) {
  return new Proxy(db, {
    get(target, key) {
      if (key === "execProtocolRaw") {
        return async (message, options) => (await target.execProtocol(message, { ...options, throwOnError: false })).data;
      }
      const value = Reflect.get(target, key, target);
      // PGlite keeps its state in private fields, reachable only with the instance itself as `this`.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Byte arrays in a job's result, handed over rather than copied. */
function transferables(value, found = []) {
  if (value instanceof Uint8Array) found.push(value.buffer);
  else if (Array.isArray(value)) for (const v of value) transferables(v, found);
  else if (value && typeof value === "object") for (const v of Object.values(value)) transferables(v, found);
  return found;
}

try {
  // The extensions the migrations create must be loadable here, as on a real Postgres.
  const extensions = { pg_trgm };
  const { wasmModule, note: moduleNote } = await compilePglite();
  const options = { extensions, ...(wasmModule && { wasmModule }) };
  if (!template) await prepareDataDir(dataDir, (dir) => PGlite.create(dir, options));
  const opened = await withDiskFlushes(() =>
    template ? PGlite.create({ loadDataDir: new Blob([readFileSync(template)]), ...options }) : PGlite.create(dataDir, options),
  );
  const { db } = opened;
  flushes = opened.counts;
  const note = [moduleNote, !template && opened.note].filter(Boolean).join("; ") || undefined;
  await limitSessionMemory(db);
  const server = new PGLiteSocketServer({ db: rawProtocolOnly(db), path: socketPath });
  await server.start();
  parentPort.on("message", async (message) => {
    if (message === "stop") {
      try {
        await server.stop();
        await db.close();
      } finally {
        parentPort.postMessage({ stopped: true });
      }
      return;
    }
    const { id, job } = message;
    try {
      const result = await jobs[job](db, message);
      parentPort.postMessage({ id, result: result ?? null }, transferables(result));
    } catch (err) {
      parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  parentPort.postMessage({ ready: true, note });
} catch (err) {
  parentPort.postMessage({ failed: err instanceof Error ? err.stack || err.message : String(err) });
}
