import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import type { CompactOptions } from "./yjs-jobs.mjs";
import { compactionWorker } from "./yjs-worker.ts";

/**
 * Compaction through the server's own connection, for the embedded database
 * (yjs-jobs.mjs, `compactDocument`, is the same algorithm on a connection of
 * the worker's own). PGlite serves every connection from one session, and
 * pglite-socket interleaves two connections' extended-protocol messages in
 * it: a second connection's statements took the server's parameters. So here
 * the rows and the snapshot pass through the event loop (base64 both ways),
 * and only the Yjs work runs on the worker.
 */
export async function compactHere(db: Db, docName: string, options: CompactOptions): Promise<number> {
  const folded = await compactInTransaction(db, docName, options);
  // PGlite runs no autovacuum: without this, every fold's old snapshot (the whole document) and every
  // folded log row stayed in its files for good, and the embedded database grew and slowed with them.
  if (folded > 0) await db.execute(sql`vacuum doc_updates, doc_snapshots`);
  return folded;
}

function compactInTransaction(db: Db, docName: string, { batch, foldRatio }: CompactOptions): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`compact:${docName}`}))`);
    const rows = await tx
      .select({ id: docUpdates.id, update: docUpdates.update })
      .from(docUpdates)
      .where(eq(docUpdates.docName, docName))
      .orderBy(asc(docUpdates.id))
      .limit(batch);
    if (rows.length === 0) return 0;
    const [snapshot] = await tx
      .select({ bytes: sql<number>`octet_length(${docSnapshots.state})`.mapWith(Number), throughUpdateId: docSnapshots.throughUpdateId })
      .from(docSnapshots)
      .where(eq(docSnapshots.docName, docName));
    const ids = rows.map((r) => r.id);
    const deleteRead = () => tx.delete(docUpdates).where(and(eq(docUpdates.docName, docName), inArray(docUpdates.id, ids)));
    const parts = rows.map((r) => new Uint8Array(r.update.buffer, r.update.byteOffset, r.update.byteLength));
    const tailBytes = parts.reduce((n, p) => n + p.byteLength, 0);
    if (snapshot && parts.length > 1 && tailBytes * foldRatio < snapshot.bytes) {
      const merged = Buffer.from(await compactionWorker.merge(parts)).toString("base64");
      await tx.execute(sql`insert into doc_updates (doc_name, "update", user_id) values (${docName}, decode(${merged}, 'base64'), null)`);
      await deleteRead();
      return rows.length - 1;
    }
    const [stored] = snapshot
      ? await tx.select({ base64: sql<string>`encode(${docSnapshots.state}, 'base64')` }).from(docSnapshots).where(eq(docSnapshots.docName, docName))
      : [];
    const folded = await compactionWorker.fold(stored ? [new Uint8Array(Buffer.from(stored.base64, "base64")), ...parts] : parts);
    const through = ids.reduce((a, b) => Math.max(a, b), snapshot?.throughUpdateId ?? 0);
    const state = Buffer.from(folded.state).toString("base64");
    await tx
      .insert(docSnapshots)
      .values({ docName, state: sql`decode(${state}, 'base64')`, throughUpdateId: through, stateHash: folded.sha256 })
      .onConflictDoUpdate({ target: docSnapshots.docName, set: { state: sql`excluded.state`, throughUpdateId: through, stateHash: folded.sha256, updatedAt: new Date() } });
    await deleteRead();
    return rows.length;
  });
}
