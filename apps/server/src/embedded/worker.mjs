// The embedded database's thread: PGlite (Postgres in WASM) behind a Postgres
// wire-protocol socket, so that its work never runs on the server's event loop
// and the server reaches it through postgres.js exactly as it reaches a real
// Postgres. Plain JavaScript, so that it starts without a TypeScript loader.
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const { dataDir, template, socketPath } = workerData;

try {
  const db = template ? await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) }) : await PGlite.create(dataDir);
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
