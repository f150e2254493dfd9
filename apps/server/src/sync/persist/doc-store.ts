import { setImmediate as nextTurn } from "node:timers/promises";
import { createHash } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { docUpdates } from "@marginalia/schema/tables";
import { type Db, addressOf, compactorOf, clientOf } from "../../db.ts";
import { copyOutSlices, quoteLiteral } from "./binary-copy.mjs";
import { stateVectorWithTail } from "./cold-tail.mjs";
import { STEP2_HEADROOM } from "../connection/messages.ts";
import { SLICED_BUILD_BYTES } from "../document/sliced-build.ts";
import { MERGE_FANIN, mergeMany } from "./yjs-jobs.mjs";
import { compactionWorker, yjsWorker } from "./yjs-worker.ts";

/** Compact once the log of one document holds this many rows. */
export const COMPACT_AFTER_ROWS = 500;
/** Rows folded per compaction pass, so that one pass stays short. */
const COMPACT_BATCH = 20_000;
/** A tail is folded into the snapshot once its bytes reach 1/SNAPSHOT_FOLD_RATIO of the snapshot's (yjs-jobs.mjs, `planPass`). */
const SNAPSHOT_FOLD_RATIO = 4;
/** A load whose parts add up to more than this merges them on the worker (Y.mergeUpdates parses them all). */
const MERGE_HERE_BYTES = 256 * 1024;

/** A document's stored state, as `DocStore.load` read it. */
export type Loaded = {
  state: Uint8Array | null;
  /**
   * The log rows after a verified snapshot, merged, when they are fewer bytes
   * than it (as compaction leaves them: docs/architecture.md, "Persistence
   * and the commit"): kept apart from `state`, which is then the snapshot as
   * stored, so that a new client is sent it without a merge (LiveDocument,
   * `syncStep2For`). Merging a 10 MB snapshot with one row reads and writes
   * all of it: 0.3 s.
   */
  tail: Uint8Array | null;
  logRows: number;
  /** The state is a snapshot this server wrote, unchanged since (its hash matches); the rows after it are in `tail`. */
  verified: boolean;
  /** The state was read through whole (merged, or checked on the worker) and parses. */
  parsed: boolean;
  /** Free bytes before the state in its buffer (messages.ts, `STEP2_HEADROOM`): 0 unless it is the snapshot as read. */
  headroom: number;
  /** The state vector of a verified snapshot and its tail (from the one stored with the snapshot); null otherwise. */
  stateVector: Uint8Array | null;
};

/**
 * Reads and compacts the stored form of a document: a snapshot plus the log
 * rows written since (docs/architecture.md, "Persistence and the commit").
 */
export class DocStore {
  constructor(private readonly db: Db) {}

  /**
   * The stored state: snapshot and log merged into one update, or a verified
   * snapshot as stored with its few log rows merged apart (`tail`). It
   * throws when the database does, so that a failed load is never taken for
   * an empty document.
   */
  async load(docName: string): Promise<Loaded> {
    // The log before the snapshot: a compaction that commits in between leaves rows read here that the
    // snapshot also holds (applied twice, harmlessly), where the other order could miss the rows it deleted.
    // All remaining rows, not "id > snapshot": ids are assigned before commit, so a row with a lower id
    // than the snapshot's may have committed after it.
    const rows = await this.db
      .select({ update: docUpdates.update })
      .from(docUpdates)
      .where(eq(docUpdates.docName, docName))
      .orderBy(asc(docUpdates.id));
    const logParts = rows.map((r) => toBytes(r.update));
    const logBytes = byteLength(logParts);
    // The log is merged (on the worker when long) while the snapshot is read: it is the tail of a verified
    // snapshot, or else merged with whatever the snapshot is.
    const merging = logParts.length > 0 ? Promise.resolve(merge(logParts)) : null;
    // Awaited below; if the snapshot's read fails first, its failure is the load's and this one is moot.
    merging?.catch(() => {});
    // By binary COPY, in slices: a snapshot is megabytes, and coding it as text (hex or base64) took
    // Postgres longer than sending it, and one row of it cost a fresh 10 MB copy (binary-copy.mjs). Read
    // with room for its sync step 2 around it (messages.ts) and onto shared memory, which the worker's jobs
    // on it (a state vector, slices) read where it is: each used to cost a copy on the event loop.
    const snapshot = await copyOutSlices(
      clientOf(this.db),
      `select state, state_hash, state_vector from doc_snapshots where doc_name = ${quoteLiteral(docName)}`,
      2,
      { headroom: STEP2_HEADROOM, shared: true, sha256: true },
    );
    const snapshotState = snapshot?.bytes ?? null;
    const [stateHash = null, storedStateVector = null] = snapshot?.extras ?? [];
    if (!snapshotState && logParts.length === 0) return { state: null, tail: null, logRows: 0, verified: false, parsed: false, headroom: 0, stateVector: null };
    // The snapshot's hash was taken as its slices arrived.
    const verified =
      snapshotState !== null && stateHash !== null && sameBytes(snapshot?.digest ?? (await sha256(snapshotState)), stateHash);
    if (verified && storedStateVector && logBytes < snapshotState.byteLength) {
      const tail = merging && (await merging);
      // Decoding the tail for the state vector also reads it through: a tail that does not parse fails here.
      const stateVector = !tail
        ? storedStateVector
        : tail.byteLength > MERGE_HERE_BYTES
          ? await yjsWorker.stateVectorWithTail(storedStateVector, tail)
          : stateVectorWithTail(storedStateVector, tail);
      return { state: snapshotState, tail, logRows: rows.length, verified, parsed: false, headroom: STEP2_HEADROOM, stateVector };
    }
    const log = merging ? [await merging] : logParts;
    const parts = snapshotState ? [snapshotState, ...log] : log;
    const state = await merge(parts);
    // Merging read every part through (the log's rows too, merged apart). A large unmerged state
    // nothing vouches for is read through on the worker, so that bytes that do not parse fail the load
    // there, not in a build on the event loop.
    let parsed = parts.length > 1 || logParts.length > 1;
    const alone = verified && logParts.length === 0;
    if (!alone && !parsed && state.byteLength >= SLICED_BUILD_BYTES) {
      await yjsWorker.check(state);
      parsed = true;
    }
    const headroom = state === snapshotState ? STEP2_HEADROOM : 0;
    return { state, tail: null, logRows: rows.length, verified: alone, parsed, headroom, stateVector: alone ? storedStateVector : null };
  }

  /**
   * The whole stored state as one update, the tail merged in (off the event
   * loop when large): for what reads a document without serving it, such as
   * a backup.
   */
  async state(docName: string): Promise<Uint8Array | null> {
    const { state, tail } = await this.load(docName);
    return state && tail ? merge([state, tail]) : state;
  }

  /** How many log rows the document has after its snapshot. */
  async logRows(docName: string): Promise<number> {
    return this.db.$count(docUpdates, eq(docUpdates.docName, docName));
  }

  /**
   * Compacts the log off the event loop, reads and writes included: on
   * Postgres wholly on the compaction worker with a connection of its own
   * (yjs-jobs.mjs, `compactDocument`), on the embedded database through its
   * own thread (embedded/compact.ts). Nothing of its cost, which follows the
   * document's size, falls on the event loop. Returns how many rows the log lost.
   * `whole` takes every row, not only the newest (yjs-jobs.mjs, `planPass`):
   * for a document nobody has open, folded until its next load is one snapshot.
   */
  async compact(docName: string, { whole = false } = {}): Promise<number> {
    const options = { batch: COMPACT_BATCH, foldRatio: SNAPSHOT_FOLD_RATIO, whole };
    const compactor = compactorOf(this.db);
    if (compactor) return compactor(docName, options);
    const address = addressOf(this.db);
    if (!address) throw new Error("this database has no way to compact off the event loop");
    return compactionWorker.compact(address, docName, options);
  }
}

/** One update of `parts`: merged off the event loop when they are many or large, as Y.mergeUpdates parses them all. */
function merge(parts: Uint8Array[]): Promise<Uint8Array> | Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return parts.length > MERGE_FANIN || byteLength(parts) > MERGE_HERE_BYTES ? yjsWorker.merge(parts) : mergeMany(parts);
}

function byteLength(parts: Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.byteLength, 0);
}

/** Bytes hashed per event-loop turn: 2–10 ms, with or without the CPU's SHA instructions. */
const HASH_SLICE_BYTES = 4 * 2 ** 20;

/**
 * A snapshot's SHA-256 on the event loop, a slice per turn. WebCrypto's
 * digest, which ran on the thread pool, refuses shared memory (and copied
 * the bytes for its thread first).
 */
async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const hash = createHash("sha256");
  for (let at = 0; at < bytes.byteLength; at += HASH_SLICE_BYTES) {
    if (at > 0) await nextTurn();
    hash.update(bytes.subarray(at, at + HASH_SLICE_BYTES));
  }
  return new Uint8Array(hash.digest());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** postgres.js returns Buffers; Yjs wants plain Uint8Arrays. */
function toBytes(value: Uint8Array): Uint8Array {
  return value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}
