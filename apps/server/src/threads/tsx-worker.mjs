// Starts a worker thread's TypeScript entry (workerData.entry, a file URL) under tsx, in
// development and tests: Node 20 does not pass a loader given in a worker's execArgv on to its
// entry module, so the thread registers tsx itself. The compiled server starts bundled copies
// of the same entries instead (apps/server/scripts/build.ts).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
