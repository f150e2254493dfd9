import { and, asc, eq, inArray, sql } from "drizzle-orm";
import * as Y from "yjs";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";

/** Compact once the log of one document holds this many rows. */
export const COMPACT_AFTER_ROWS = 500;
/** Rows folded per compaction pass, so that one pass stays short. */
const COMPACT_BATCH = 20_000;

/**
 * Reads and compacts the stored form of a document: a snapshot plus the log
 * rows written since (architecture §4).
 */
export class DocStore {
  constructor(private readonly db: Db) {}

  /**
   * The stored state as one update: snapshot and tail merged before applying.
   * It throws when the database does, so that a failed load is never taken
   * for an empty document.
   */
  async load(docName: string): Promise<{ state: Uint8Array | null; logRows: number }> {
    const [snapshot] = await this.db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    // All remaining rows, not "id > snapshot": ids are assigned before commit, so
    // a row with a lower id than the snapshot's may have committed after it.
    const rows = await this.db
      .select({ update: docUpdates.update })
      .from(docUpdates)
      .where(eq(docUpdates.docName, docName))
      .orderBy(asc(docUpdates.id));
    const parts = [...(snapshot ? [snapshot.state] : []), ...rows.map((r) => r.update)].map(toBytes);
    if (parts.length === 0) return { state: null, logRows: 0 };
    return { state: parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts), logRows: rows.length };
  }

  /**
   * Folds the log rows it reads into the snapshot and deletes exactly those
   * rows, so that a row written meanwhile survives. Returns how many it folded.
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

      // Through a Y.Doc rather than mergeUpdates, so that deleted content is garbage-collected.
      const doc = new Y.Doc();
      if (snapshot) Y.applyUpdate(doc, toBytes(snapshot.state));
      for (const row of rows) Y.applyUpdate(doc, toBytes(row.update));
      const state = Y.encodeStateAsUpdate(doc);
      doc.destroy();

      const through = Math.max(snapshot?.throughUpdateId ?? 0, ...rows.map((r) => r.id));
      await upsertSnapshot(tx, docName, state, through);
      await tx.delete(docUpdates).where(
        and(
          eq(docUpdates.docName, docName),
          inArray(
            docUpdates.id,
            rows.map((r) => r.id),
          ),
        ),
      );
      return rows.length;
    });
  }
}

function upsertSnapshot(tx: Tx, docName: string, state: Uint8Array, throughUpdateId: number) {
  return tx
    .insert(docSnapshots)
    .values({ docName, state, throughUpdateId })
    .onConflictDoUpdate({
      target: docSnapshots.docName,
      set: { state, throughUpdateId, updatedAt: new Date() },
    });
}

/** postgres.js returns Buffers; Yjs wants plain Uint8Arrays. */
function toBytes(value: Uint8Array): Uint8Array {
  return value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}
