import { Worker, type WorkerOptions } from "node:worker_threads";

/** Set by the compiled build (apps/server/scripts/build.ts), which bundles each worker beside main.js. */
declare const MARGINALIA_COMPILED: boolean | undefined;

/**
 * A worker thread whose entry is one of our TypeScript files (`entry`, a
 * file URL). The compiled server starts its bundled copy, `dist/<bundled>.js`
 * (an entry in apps/server/scripts/build.ts); under tsx (development, tests)
 * the thread registers tsx itself first (tsx-worker.mjs).
 */
export function typescriptWorker(entry: URL, bundled: string, options: WorkerOptions = {}): Worker {
  return typeof MARGINALIA_COMPILED !== "undefined" && MARGINALIA_COMPILED
    ? new Worker(new URL(`../../dist/${bundled}.js`, import.meta.url), options)
    : new Worker(new URL("./tsx-worker.mjs", import.meta.url), { ...options, workerData: { entry: entry.href } });
}
