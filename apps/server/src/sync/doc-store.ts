import { setImmediate as nextTurn } from "node:timers/promises";
import { createHash } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { docUpdates } from "@marginalia/schema/tables";
import { type Db, addressOf, compactorOf, clientOf } from "../db.ts";
import { copyOutSlices, quoteLiteral } from "./binary-copy.mjs";
import { STEP2_HEADROOM } from "./messages.ts";
import { SLICED_BUILD_BYTES } from "./sliced-build.ts";
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
  logRows: number;
  /** The state is a snapshot this server wrote, unchanged since (its hash matches), with no log after it. */
  verified: boolean;
  /** The state was read through whole (merged, or checked on the worker) and parses. */
  parsed: boolean;
  /** Free bytes before the state in its buffer (messages.ts, `STEP2_HEADROOM`): 0 unless it is the snapshot as read. */
  headroom: number;
  /** The state vector stored with a verified snapshot (written by the same fold as the state); null otherwise. */
  stateVector: Uint8Array | null;
};

/**
 * Reads and compacts the stored form of a document: a snapshot plus the log
 * rows written since (docs/architecture.md, "Persistence and the commit").
 */
export class DocStore {
  constructor(private readonly db: Db) {}

  /**
   * The stored state as one update: snapshot and tail merged before applying.
   * It throws when the database does, so that a failed load is never taken
   * for an empty document.
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
    const parts = [...(snapshotState ? [snapshotState] : []), ...rows.map((r) => toBytes(r.update))];
    if (parts.length === 0) return { state: null, logRows: 0, verified: false, parsed: false, headroom: 0, stateVector: null };
    // A long tail or a large snapshot is merged off the event loop: other documents' traffic goes on meanwhile.
    const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
    const state =
      parts.length === 1 ? parts[0]! : parts.length > MERGE_FANIN || bytes > MERGE_HERE_BYTES ? await yjsWorker.merge(parts) : mergeMany(parts);
    // The snapshot's hash was taken as its slices arrived; the state is the snapshot when there are no rows.
    const verified =
      rows.length === 0 && snapshotState !== null && stateHash !== null && sameBytes(snapshot?.digest ?? (await sha256(state)), stateHash);
    // Merging read every part through. A large unmerged state nothing vouches for is read through on the
    // worker, so that bytes that do not parse fail the load there, not in a build on the event loop.
    let parsed = parts.length > 1;
    if (!verified && !parsed && state.byteLength >= SLICED_BUILD_BYTES) {
      await yjsWorker.check(state);
      parsed = true;
    }
    const headroom = state === snapshotState ? STEP2_HEADROOM : 0;
    return { state, logRows: rows.length, verified, parsed, headroom, stateVector: verified ? storedStateVector : null };
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
