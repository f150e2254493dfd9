// The thread behind pool.ts: re-anchoring's slices (jobs.ts), off the event loop.
import "../threads/background-thread.mjs";
import { parentPort } from "node:worker_threads";
import { type SliceJob, forget, resolveSlice } from "./jobs.ts";

parentPort?.on("message", (job: (SliceJob & { id: number }) | { forget: string }) => {
  if ("forget" in job) return forget(job.forget);
  try {
    parentPort?.postMessage({ id: job.id, result: resolveSlice(job) });
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
  }
});
