import { Worker } from "node:worker_threads";
import type { DatabaseAddress } from "../../db.ts";
import { type Packed, packInTurns, partsAndPacked, unpack } from "../../threads/packed-parts.mjs";
import { ownTurn } from "../document/own-turn.ts";
import { WorkerLink, WorkerLost } from "../../threads/worker-link.ts";
import type { SliceSizes } from "../document/state-slices.mjs";
import { type CompactOptions, type DiffOptions, byteJob } from "./yjs-jobs.mjs";

/** A job's bytes are `parts`, then, when given, the parts `packed` holds (handed over: see `merge`). */
type Job =
  | { kind: "merge" | "state-vector" | "tail-state-vector" | "check"; parts: Uint8Array[]; packed?: Packed }
  | { kind: "fold"; parts: Uint8Array[]; packed?: Packed; options: FoldOptions }
  | { kind: "stored-diff"; parts: Uint8Array[]; options: DiffOptions }
  | { kind: "slices"; parts: Uint8Array[]; options: SliceSizes }
  | { kind: "compact"; address: DatabaseAddress; docName: string; options: CompactOptions };

/** A job's bytes: `head`, then `rows`, which are carried as they are when already packed. */
const bytesOf = (head: Uint8Array[], rows: Uint8Array[] | Packed) => (Array.isArray(rows) ? { parts: [...head, ...rows] } : { parts: head, packed: rows });
type FoldOptions = { snapshotFirst: boolean };
const buffersOf = (packed: Packed) => [packed.bytes.buffer as ArrayBuffer, packed.ends.buffer as ArrayBuffer];
type JobResult = { state?: Uint8Array; sha256?: Uint8Array; stateVector?: Uint8Array; rows?: number; packed?: Packed | null };
/** A fold's result as doc_snapshots stores it (yjs-jobs.mjs, `fold`). */
export type Folded = { state: Uint8Array; sha256: Uint8Array; stateVector: Uint8Array };

/** `bytes` on a SharedArrayBuffer: as it is when already there, else a copy. */
function shared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}

/** The work itself, here, when the worker cannot run: the same functions (yjs-jobs.mjs). */
function runHere(job: Exclude<Job, { kind: "compact" }>): JobResult {
  // Cutting a state costs about what building it does: without the worker there is nothing to gain.
  if (job.kind === "slices") return { packed: null };
  return byteJob(job.kind, partsAndPacked(job.parts, "packed" in job ? job.packed : undefined), "options" in job ? job.options : undefined);
}

/** Background work found no thread to run on: it is not done, rather than done on the event loop. */
export class NoWorkerThread extends Error {}

/**
 * Compaction's and long loads' Yjs work on a worker thread (yjs-worker.mjs).
 * A fold decodes the whole document (a second or more for a large one), and
 * a snapshot's bytes cost the driver time in proportion to their size on the
 * thread that binds or reads them: on the event loop, either stalled every
 * socket of the process, however unrelated. So a compaction runs there whole,
 * reads and writes included, on a connection of its own. One worker, started
 * on first use, idle and unref'd otherwise, and replaced if it dies
 * (threads/worker-link.ts). A load's job that finds no thread runs here, since
 * a socket waits for it; background work does not (`background`).
 */
export class YjsWorker {
  private readonly link: WorkerLink<JobResult>;
  private readonly background: boolean;

  /**
   * `background`: compaction's jobs. They are never run here, but fail with
   * NoWorkerThread: a fold of a large document takes seconds, and on the
   * event loop it would hold every socket that long, at every compaction
   * once the thread was lost. Nor is a job run again whose thread died under it,
   * since it may be what killed it; the next compaction tries anew. Such a
   * thread is also retired when a job leaves its heap large (WorkerLink): the
   * job after that waits for a new thread, and no socket waits for the job.
   * Its thread runs at a background thread's priority (compaction-worker.mjs).
   * `open` starts the thread (tests give one that dies).
   */
  constructor({ background = false, open = () => new Worker(new URL(background ? "./compaction-worker.mjs" : "./yjs-worker.mjs", import.meta.url)) } = {}) {
    this.background = background;
    this.link = new WorkerLink<JobResult>(open, { retireWhenAsked: background });
  }

  /**
   * `handOver`: the parts are the caller's to give away (each on an ArrayBuffer
   * of its own), and are transferred as they are, not copied; they are unusable
   * afterwards, and should the worker die, the job fails rather than run here.
   * Parts already packed (threads/packed-parts.mjs) are always handed over.
   */
  async merge(parts: Uint8Array[] | Packed, { handOver = false } = {}): Promise<Uint8Array> {
    return (await this.run({ kind: "merge", ...bytesOf([], parts) }, handOver)).state!;
  }

  /** One state from a document's snapshot (or none) and log rows, garbage collected (yjs-jobs.mjs, `fold`); with its SHA-256 and state vector. `handOver`: as for merge. */
  async fold(snapshot: Uint8Array | null, rows: Uint8Array[] | Packed, { handOver = false } = {}): Promise<Folded> {
    const job = { kind: "fold" as const, ...bytesOf(snapshot ? [snapshot] : [], rows), options: { snapshotFirst: snapshot !== null } };
    const result = await this.run(job, handOver);
    return { state: result.state!, sha256: result.sha256!, stateVector: result.stateVector! };
  }

  /** The state vector of an update, read without building a document from it (a pass over every struct). */
  async stateVector(update: Uint8Array): Promise<Uint8Array> {
    return (await this.run({ kind: "state-vector", parts: [update] })).state!;
  }

  /** The state vector of a snapshot's and a tail's together (cold-tail.mjs), read from the tail's structs. */
  async stateVectorWithTail(stateVector: Uint8Array, tail: Uint8Array): Promise<Uint8Array> {
    return (await this.run({ kind: "tail-state-vector", parts: [stateVector, tail] })).state!;
  }

  /** Reads an update through without building a document (yjs-jobs.mjs, `check`); rejects bytes that do not parse. */
  async check(update: Uint8Array): Promise<void> {
    await this.run({ kind: "check", parts: [update] });
  }

  /**
   * What a copy with state vector `sv` lacks of a stored state's `parts`, null for nothing (stored-diff.mjs);
   * `loaded`, a cold copy's loaded parts. All go on shared memory, so that the worker reads a 10 MB state where
   * it is: any part not there already (a small one, usually) is copied once.
   */
  async storedDiff(sv: Uint8Array, parts: Uint8Array[], loaded: Uint8Array[] | null): Promise<Uint8Array | null> {
    const job = { kind: "stored-diff" as const, parts: [sv, ...parts, ...(loaded ?? [])].map(shared), options: { stored: parts.length, loaded: loaded !== null } };
    return (await this.run(job)).state ?? null;
  }

  /**
   * A whole document's state cut into updates to apply one per turn, in
   * order (state-slices.mjs); null for a state that cannot be cut so.
   */
  async slices(state: Uint8Array, sizes: SliceSizes): Promise<Uint8Array[] | null> {
    const { packed } = await this.run({ kind: "slices", parts: [state], options: sizes });
    return packed ? unpack(packed) : null;
  }

  /** Compacts a document's log (yjs-jobs.mjs, `compactDocument`); returns how many rows the log lost. */
  async compact(address: DatabaseAddress, docName: string, options: CompactOptions): Promise<number> {
    return (await this.run({ kind: "compact", address, docName, options })).rows ?? 0;
  }

  private async run(job: Job, handOverParts = false): Promise<JobResult> {
    let sent: Promise<JobResult> | null;
    const packed = job.kind !== "compact" && "packed" in job ? job.packed : undefined;
    // Packed parts were packed to travel: they always go as they are.
    const handOver = handOverParts || packed !== undefined;
    if (job.kind === "compact") sent = this.link.send(job);
    else if (!packed && job.parts.every((part) => part.buffer instanceof SharedArrayBuffer)) {
      // Read by the worker where they are (a snapshot as loaded, doc-store.ts): neither copied nor transferred.
      sent = this.link.send(job);
    } else if (handOver) {
      sent = this.link.send(job, [...job.parts.map((c) => c.buffer as ArrayBuffer), ...(packed ? buffersOf(packed) : [])]);
    } else {
      // Copied into one buffer, transferred: a driver's Buffer may be a view of a much larger pooled buffer,
      // which would be cloned whole, and posting a long log's 100,000 arrays one by one held the event loop
      // for seconds. The originals stay for running here, should the worker die.
      const { parts, ...rest } = job;
      const copy = await packInTurns(parts, ownTurn);
      sent = this.link.send({ ...rest, packed: copy }, buffersOf(copy));
    }
    if (!sent) return this.here(job, "no worker thread could start");
    try {
      return await sent;
    } catch (err) {
      // A worker that dies hands its jobs back: a load's run here, unless their bytes went with it.
      if (err instanceof WorkerLost && !handOver) return this.here(job, err.message);
      throw err;
    }
  }

  private here(job: Job, why: string): JobResult {
    if (job.kind === "compact" || (this.background && job.kind !== "slices")) throw new NoWorkerThread(`${job.kind} not run: ${why}`);
    return runHere(job);
  }
}

/** Loads' merges: what a socket waits for to open its document. Kept, however large its heap: a load would wait for a new thread. */
export const yjsWorker = new YjsWorker();
/**
 * Background work, on a thread of its own: compaction's folds (seconds to minutes for a long log)
 * and cutting large states into slices (document.ts). On the loads' thread, a document's next
 * load would queue behind them. Retired after a job that left its heap large: folding 30,000
 * annotations otherwise kept some 330 MB with the process for good.
 */
export const compactionWorker = new YjsWorker({ background: true });
