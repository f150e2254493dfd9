// The embedded database's thread: PGlite (Postgres in WASM) behind a Postgres
// wire-protocol socket, so that its work never runs on the server's event loop
// and the server reaches it through postgres.js exactly as it reaches a real
// Postgres. Plain JavaScript, so that it starts without a TypeScript loader.
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const { dataDir, template, socketPath } = workerData;

try {
  // The extensions the migrations create must be loadable here, as on a real Postgres.
  const extensions = { pg_trgm };
  const db = template
    ? await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]), extensions })
    : await PGlite.create(dataDir, { extensions });
  const server = new PGLiteSocketServer({ db, path: socketPath });
  await server.start();
  parentPort.on("message", async (message) => {
    if (message !== "stop") return;
    try {
      await server.stop();
      await db.close();
    } finally {
      parentPort.postMessage({ stopped: true });
    }
  });
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ failed: err instanceof Error ? err.stack || err.message : String(err) });
}
