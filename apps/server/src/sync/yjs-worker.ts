import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import * as Y from "yjs";

/** Updates merged in one call at most; see mergeMany. */
export const MERGE_FANIN = 64;

/**
 * Merges updates in rounds of MERGE_FANIN. One Y.mergeUpdates over a long log
 * grows worse than linearly (about 4 s for 8,000 small updates here, minutes
 * for 100,000); merged a few dozen at a time, then the merges merged, the same
 * log takes a fraction of that, and the result is the same update.
 */
export function mergeMany(parts: Uint8Array[]): Uint8Array {
  while (parts.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < parts.length; i += MERGE_FANIN) {
      const group = parts.slice(i, i + MERGE_FANIN);
      next.push(group.length === 1 ? group[0]! : Y.mergeUpdates(group));
    }
    parts = next;
  }
  return parts[0]!;
}

/**
 * "merge" joins updates into one; "fold" goes through a Y.Doc, so that
 * deleted content is garbage-collected, and also hands back the result as
 * base64 with its SHA-256: a snapshot is written as text, since the driver
 * binds bytes as a hex string on the calling thread (twice the size, and
 * slow), which for a large document stalled every socket of the process.
 */
export type Job = { kind: "merge" | "fold"; parts: Uint8Array[]; /** A stored snapshot, as read (base64), first. */ base64?: string };
export type JobResult = { state: Uint8Array; base64?: string; sha256?: Uint8Array };

/** The work itself, the same on the worker (see WORKER_SOURCE) and, as a fallback, here. */
function runJob(job: Job): JobResult {
  const parts = job.base64 ? [new Uint8Array(Buffer.from(job.base64, "base64")), ...job.parts] : job.parts;
  if (job.kind === "merge") return { state: mergeMany(parts) };
  const doc = new Y.Doc();
  for (const part of parts) Y.applyUpdate(doc, part);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return { state, base64: Buffer.from(state.buffer, state.byteOffset, state.byteLength).toString("base64"), sha256: new Uint8Array(createHash("sha256").update(state).digest()) };
}

// CommonJS, evaluated on the worker thread; keep in step with runJob and mergeMany.
const WORKER_SOURCE = (yjsPath: string) => `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const Y = require(${JSON.stringify(yjsPath)});
const FANIN = ${MERGE_FANIN};
function mergeMany(parts) {
  while (parts.length > 1) {
    const next = [];
    for (let i = 0; i < parts.length; i += FANIN) {
      const group = parts.slice(i, i + FANIN);
      next.push(group.length === 1 ? group[0] : Y.mergeUpdates(group));
    }
    parts = next;
  }
  return parts[0];
}
parentPort.on("message", ({ id, kind, parts, base64 }) => {
  try {
    if (base64) parts = [new Uint8Array(Buffer.from(base64, "base64")), ...parts];
    if (kind === "merge") {
      const state = mergeMany(parts);
      parentPort.postMessage({ id, result: { state } }, [state.buffer]);
      return;
    }
    const doc = new Y.Doc();
    for (const part of parts) Y.applyUpdate(doc, part);
    const state = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    const result = {
      state,
      base64: Buffer.from(state.buffer, state.byteOffset, state.byteLength).toString("base64"),
      sha256: new Uint8Array(createHash("sha256").update(state).digest()),
    };
    parentPort.postMessage({ id, result }, [state.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: (err && err.message) || String(err) });
  }
});
`;

/**
 * Compaction's and long loads' Yjs work on a worker thread. A fold decodes
 * the whole document (a second or more for a large one), which on the event
 * loop stalled every socket of the process, however unrelated. One worker,
 * started on first use, idle and unref'd otherwise; if it cannot start or
 * dies, the work runs here as before.
 */
class YjsWorker {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { job: Job; resolve: (result: JobResult) => void; reject: (err: Error) => void }>();

  async merge(parts: Uint8Array[]): Promise<Uint8Array> {
    return (await this.run({ kind: "merge", parts })).state;
  }

  /** `base64`: the stored snapshot the parts follow, if any. */
  async fold(parts: Uint8Array[], base64?: string): Promise<Required<JobResult>> {
    const result = await this.run({ kind: "fold", parts, ...(base64 ? { base64 } : {}) });
    if (result.base64 === undefined || !result.sha256) throw new Error("a fold came back without its encoding");
    return result as Required<JobResult>;
  }

  private async run(job: Job): Promise<JobResult> {
    const worker = this.broken ? null : (this.worker ?? this.start());
    if (!worker) return runJob(job);
    const id = this.nextId++;
    // Exact copies: a driver's Buffer may be a view of a much larger pooled buffer, which would be cloned whole.
    const copies = job.parts.map((p) => p.slice());
    const done = new Promise<JobResult>((resolve, reject) => this.waiting.set(id, { job, resolve, reject }));
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage({ id, kind: job.kind, parts: copies, base64: job.base64 }, copies.map((c) => c.buffer as ArrayBuffer));
    return done;
  }

  private start(): Worker | null {
    try {
      const worker = new Worker(WORKER_SOURCE(createRequire(import.meta.url).resolve("yjs")), { eval: true });
      worker.unref();
      worker.on("message", (m: { id: number; result?: JobResult; error?: string }) => {
        const waiter = this.waiting.get(m.id);
        if (!waiter) return;
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) worker.unref();
        if (m.result) waiter.resolve(m.result);
        else waiter.reject(new Error(m.error ?? "the update could not be merged"));
      });
      // A worker that dies hands its jobs back: they run here.
      const fail = () => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.broken = true;
        const jobs = [...this.waiting.values()];
        this.waiting.clear();
        for (const waiter of jobs) {
          try {
            waiter.resolve(runJob(waiter.job));
          } catch (err) {
            waiter.reject(err as Error);
          }
        }
      };
      worker.on("error", fail);
      worker.on("exit", fail);
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return null;
    }
  }
}

export const yjsWorker = new YjsWorker();
