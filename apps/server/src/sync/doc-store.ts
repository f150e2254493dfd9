import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import * as Y from "yjs";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";

/** Compact once the log of one document holds this many rows. */
export const COMPACT_AFTER_ROWS = 500;
/** Rows folded per compaction pass, so that one pass stays short. */
const COMPACT_BATCH = 20_000;
/** A tail is folded into the snapshot once its bytes reach 1/SNAPSHOT_FOLD_RATIO of the snapshot's. */
const SNAPSHOT_FOLD_RATIO = 4;

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
  async load(docName: string): Promise<{ state: Uint8Array | null; logRows: number; verified: boolean }> {
    // The log before the snapshot: a compaction that commits in between leaves rows read here that the
    // snapshot also holds (applied twice, harmlessly), where the other order could miss the rows it deleted.
    // All remaining rows, not "id > snapshot": ids are assigned before commit, so a row with a lower id
    // than the snapshot's may have committed after it.
    const rows = await this.db
      .select({ update: docUpdates.update })
      .from(docUpdates)
      .where(eq(docUpdates.docName, docName))
      .orderBy(asc(docUpdates.id));
    // As base64 text: a snapshot is megabytes, and the driver decodes bytea from hex a good deal slower than
    // Node decodes base64 (about 90 against 55 ms for 10 MB), which is most of a cold load.
    const [snapshot] = await this.db
      .select({ state64: sql<string>`encode(${docSnapshots.state}, 'base64')`, stateHash: docSnapshots.stateHash })
      .from(docSnapshots)
      .where(eq(docSnapshots.docName, docName));
    const snapshotState: Uint8Array | null = snapshot ? Buffer.from(snapshot.state64, "base64") : null;
    const parts = [...(snapshotState ? [snapshotState] : []), ...rows.map((r) => toBytes(r.update))];
    if (parts.length === 0) return { state: null, logRows: 0, verified: false };
    // A long tail is merged off the event loop: other documents' traffic goes on meanwhile.
    const state = parts.length > MERGE_FANIN ? await offThread.run("merge", parts) : mergeMany(parts);
    const verified = rows.length === 0 && snapshot?.stateHash != null && sameBytes(sha256(state), toBytes(snapshot.stateHash));
    return { state, logRows: rows.length, verified };
  }

  /**
   * Folds the log rows it reads into the snapshot and deletes exactly those
   * rows, so that a row written meanwhile survives. Returns how many rows the
   * log lost.
   *
   * Folding costs as much as decoding the whole document, so a short tail
   * beside a big snapshot is merged into one log row instead, at a cost that
   * follows the tail; the rows reach the snapshot once their bytes are a
   * SNAPSHOT_FOLD_RATIO-th of it. Without this, a large document under steady
   * writes stalled the event loop for the length of a full decode every
   * COMPACT_AFTER_ROWS updates.
   */
  async compact(docName: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      // One compactor per document across every process sharing the database.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`compact:${docName}`}))`);
      const rows = await tx
        .select({ id: docUpdates.id, update: docUpdates.update })
        .from(docUpdates)
        .where(eq(docUpdates.docName, docName))
        .orderBy(asc(docUpdates.id))
        .limit(COMPACT_BATCH);
      if (rows.length === 0) return 0;
      const [snapshot] = await tx.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
      const ids = rows.map((r) => r.id);
      const deleteRead = () => tx.delete(docUpdates).where(and(eq(docUpdates.docName, docName), inArray(docUpdates.id, ids)));

      const parts = rows.map((r) => toBytes(r.update));
      const tailBytes = parts.reduce((n, p) => n + p.byteLength, 0);
      if (snapshot && parts.length > 1 && tailBytes * SNAPSHOT_FOLD_RATIO < snapshot.state.byteLength) {
        await tx.insert(docUpdates).values({ docName, update: await offThread.run("merge", parts), userId: null });
        await deleteRead();
        return rows.length - 1;
      }

      // Through a Y.Doc rather than mergeUpdates, so that deleted content is garbage-collected.
      const state = await offThread.run("fold", [...(snapshot ? [toBytes(snapshot.state)] : []), ...parts]);

      const through = ids.reduce((a, b) => Math.max(a, b), snapshot?.throughUpdateId ?? 0);
      await upsertSnapshot(tx, docName, state, through);
      await deleteRead();
      return rows.length;
    });
  }
}

function upsertSnapshot(tx: Tx, docName: string, state: Uint8Array, throughUpdateId: number) {
  const stateHash = sha256(state);
  return tx
    .insert(docSnapshots)
    .values({ docName, state, throughUpdateId, stateHash })
    .onConflictDoUpdate({
      target: docSnapshots.docName,
      set: { state, throughUpdateId, stateHash, updatedAt: new Date() },
    });
}

const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash("sha256").update(bytes).digest());

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Updates merged in one call at most; see mergeMany. */
const MERGE_FANIN = 64;

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

type Job = "merge" | "fold";

/** The work itself, the same on the worker (see WORKER_SOURCE) and, as a fallback, here. */
function runJob(kind: Job, parts: Uint8Array[]): Uint8Array {
  if (kind === "merge") return mergeMany(parts);
  const doc = new Y.Doc();
  for (const part of parts) Y.applyUpdate(doc, part);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

// CommonJS, evaluated on the worker thread; keep in step with runJob and mergeMany.
const WORKER_SOURCE = (yjsPath: string) => `
const { parentPort } = require("node:worker_threads");
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
parentPort.on("message", ({ id, kind, parts }) => {
  try {
    let state;
    if (kind === "merge") state = mergeMany(parts);
    else {
      const doc = new Y.Doc();
      for (const part of parts) Y.applyUpdate(doc, part);
      state = Y.encodeStateAsUpdate(doc);
      doc.destroy();
    }
    parentPort.postMessage({ id, state });
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
class OffThread {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { kind: Job; parts: Uint8Array[]; resolve: (state: Uint8Array) => void; reject: (err: Error) => void }>();

  async run(kind: Job, parts: Uint8Array[]): Promise<Uint8Array> {
    const worker = this.broken ? null : (this.worker ?? this.start());
    if (!worker) return runJob(kind, parts);
    const id = this.nextId++;
    // Exact copies: a driver's Buffer may be a view of a much larger pooled buffer, which would be cloned whole.
    const copies = parts.map((p) => p.slice());
    const done = new Promise<Uint8Array>((resolve, reject) => this.waiting.set(id, { kind, parts, resolve, reject }));
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage({ id, kind, parts: copies }, copies.map((c) => c.buffer as ArrayBuffer));
    return done;
  }

  private start(): Worker | null {
    try {
      const worker = new Worker(WORKER_SOURCE(createRequire(import.meta.url).resolve("yjs")), { eval: true });
      worker.unref();
      worker.on("message", (m: { id: number; state?: Uint8Array; error?: string }) => {
        const waiter = this.waiting.get(m.id);
        if (!waiter) return;
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) worker.unref();
        if (m.state) waiter.resolve(m.state);
        else waiter.reject(new Error(m.error ?? "the update could not be merged"));
      });
      // A worker that dies hands its jobs back: they run here.
      const fail = () => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.broken = true;
        const jobs = [...this.waiting.values()];
        this.waiting.clear();
        for (const job of jobs) {
          try {
            job.resolve(runJob(job.kind, job.parts));
          } catch (err) {
            job.reject(err as Error);
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

const offThread = new OffThread();

/** postgres.js returns Buffers; Yjs wants plain Uint8Arrays. */
function toBytes(value: Uint8Array): Uint8Array {
  return value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}
