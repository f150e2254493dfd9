import { createHash, randomUUID } from "node:crypto";
import { eq, inArray, sql as query } from "drizzle-orm";
import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotations } from "@marginalia/schema";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, type Compactor, addressOf, compactorOf, databaseOnPostgres } from "../src/db.ts";
import { openEmbeddedTestDatabase } from "./support/database.ts";
import { DocStore, type Loaded } from "../src/sync/persist/doc-store.ts";
import { STEP2_HEADROOM } from "../src/sync/connection/messages.ts";
import { compactionWorker } from "../src/sync/persist/yjs-worker.ts";

/**
 * The stored form of a document on both databases: bytes written as log rows
 * come back unchanged, compaction (on Postgres wholly on the worker thread,
 * on PGlite through the server's connection) folds them into a snapshot
 * whose hash matches its bytes, and a
 * short tail beside a large snapshot is merged into one row instead.
 */
const databases: Array<[string, () => Promise<Database>]> = [
  ["PGlite", () => openEmbeddedTestDatabase()],
];
const url = inject("databaseUrl");
if (url) databases.push(["Postgres", async () => databaseOnPostgres(url, { max: 2 })]);


/** Every byte value, and text that is not ASCII, so that no encoding on the way can pass unnoticed. */
function writeDocument(doc: Y.Doc, annotations: number): Uint8Array[] {
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < annotations; i++) {
    const binary = String.fromCharCode(...Array.from({ length: 256 }, (_, b) => (b + i) % 256 || 1));
    createAnnotation(doc, { kind: "comment", authorId: "author", body: `${i} – ✓ 𝄞 ${binary}` });
  }
  return updates;
}

const stateVectorOf = (bytes: Uint8Array | null) => bytes && Object.fromEntries(Y.decodeStateVector(bytes));

/** What a load read, snapshot and tail applied as LiveDocument applies them, holds what `doc` holds. */
const sameContent = (loaded: Loaded, doc: Y.Doc) => {
  const stored = new Y.Doc();
  Y.applyUpdate(stored, loaded.state!);
  if (loaded.tail) Y.applyUpdate(stored, loaded.tail);
  expect(readAnnotations(stored)).toEqual(readAnnotations(doc));
};

describe.each(databases)("stored documents on %s", (_name, open) => {
  let database: Database;
  beforeAll(async () => void (database = await open()));
  afterAll(() => database?.close());

  it("keeps log rows byte for byte, folds them into a snapshot off the event loop, and merges a short tail", async () => {
    const { db } = database;
    const store = new DocStore(db);
    const docName = `docstore:${randomUUID()}`;
    const doc = new Y.Doc();
    const updates = writeDocument(doc, 40);
    await db.insert(docUpdates).values(updates.map((update) => ({ docName, update, userId: null })));
    const rows = await db.select({ update: docUpdates.update }).from(docUpdates).where(eq(docUpdates.docName, docName)).orderBy(docUpdates.id);
    expect(rows.map((r) => Buffer.from(r.update).toString("hex"))).toEqual(updates.map((u) => Buffer.from(u).toString("hex")));

    expect(await store.logRows(docName)).toBe(40);
    expect(await store.compact(docName)).toBe(40);
    expect(await store.logRows(docName)).toBe(0);
    const [snapshot] = await db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    expect(Buffer.from(snapshot!.stateHash!)).toEqual(createHash("sha256").update(snapshot!.state).digest());
    const loaded = await store.load(docName);
    expect(loaded).toMatchObject({ logRows: 0, verified: true, headroom: STEP2_HEADROOM });
    sameContent(loaded, doc);
    // Its state vector, stored by the fold beside it, so that a load need not read every struct for it.
    expect(stateVectorOf(loaded.stateVector)).toEqual(stateVectorOf(Y.encodeStateVector(doc)));
    // Read onto shared memory, for the worker's jobs on it; kept uncompressed in the table (migration 0016).
    expect(loaded.state!.buffer).toBeInstanceOf(SharedArrayBuffer);
    const [sizes] = (await db.execute(
      query`select pg_column_size(state) as stored, length(state) as length from doc_snapshots where doc_name = ${docName}`,
    )) as unknown as Array<{ stored: number; length: number }>;
    expect(Number(sizes!.stored)).toBeGreaterThanOrEqual(Number(sizes!.length));

    // A few edits beside a snapshot many times their size: merged into one row, the snapshot untouched.
    const edits: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => edits.push(u));
    for (const id of [...annotationsOf(doc).keys()].slice(0, 3)) (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "edited ");
    await db.insert(docUpdates).values(edits.map((update) => ({ docName, update, userId: null })));
    expect(await store.compact(docName)).toBe(edits.length - 1);
    const [unchanged] = await db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    expect(unchanged!.throughUpdateId).toBe(snapshot!.throughUpdateId);
    // Loaded apart: the snapshot as stored (framed in place for a new client) and the row as its tail,
    // with the state vector of both from the snapshot's and the tail's structs.
    const afterMerge = await store.load(docName);
    expect(afterMerge).toMatchObject({ logRows: 1, verified: true, headroom: STEP2_HEADROOM });
    expect(Buffer.from(afterMerge.state!)).toEqual(Buffer.from(unchanged!.state));
    expect(afterMerge.tail).not.toBeNull();
    sameContent(afterMerge, doc);
    // Read whole, for what does not serve it (a backup): one update with the tail merged in.
    sameContent({ ...afterMerge, state: await store.state(docName), tail: null }, doc);
    expect(stateVectorOf(afterMerge.stateVector)).toEqual(stateVectorOf(Y.encodeStateVector(doc)));
    // A tail that does not parse fails the load, as a state that does not would: never served or built.
    const [bad] = await db.insert(docUpdates).values({ docName, update: new Uint8Array([1, 200, 7]), userId: null }).returning({ id: docUpdates.id });
    await expect(store.load(docName)).rejects.toThrow();
    await db.delete(docUpdates).where(eq(docUpdates.id, bad!.id));

    // A tail as large as the snapshot again: read back, folded with it, and written as the new snapshot.
    const more: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => more.push(u));
    for (let i = 0; i < 40; i++) createAnnotation(doc, { kind: "comment", authorId: "author", body: `more ${i} ${"\u00ff\u0000".repeat(50)}` });
    await db.insert(docUpdates).values(more.map((update) => ({ docName, update, userId: null })));
    expect(await store.compact(docName)).toBe(more.length + 1);
    const [refolded] = await db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    expect(refolded!.throughUpdateId).toBeGreaterThan(snapshot!.throughUpdateId);
    const afterFold = await store.load(docName);
    expect(afterFold).toMatchObject({ logRows: 0, verified: true });
    sameContent(afterFold, doc);
    expect(stateVectorOf(afterFold.stateVector)).toEqual(stateVectorOf(Y.encodeStateVector(doc)));

    // A snapshot written before state vectors were kept loads verified, without one.
    await db.update(docSnapshots).set({ stateVector: null }).where(eq(docSnapshots.docName, docName));
    expect(await store.load(docName)).toMatchObject({ logRows: 0, verified: true, stateVector: null });
    // Bytes whose hash does not match are not this server's snapshot: neither they nor a stored vector are trusted.
    await db.update(docSnapshots).set({ stateHash: Buffer.alloc(32), stateVector: Y.encodeStateVector(doc) }).where(eq(docSnapshots.docName, docName));
    expect(await store.load(docName)).toMatchObject({ logRows: 0, verified: false, stateVector: null });
  });

  it("keeps a tail apart from its snapshot while it is smaller, and merges it in once it is not", async () => {
    const { db } = database;
    const store = new DocStore(db);
    const docName = `docstore:${randomUUID()}`;
    const doc = new Y.Doc();
    const write = async (count: number, label: string) => {
      const updates: Uint8Array[] = [];
      const record = (u: Uint8Array) => updates.push(u);
      doc.on("update", record);
      for (let i = 0; i < count; i++) createAnnotation(doc, { kind: "comment", authorId: "author", body: `${label} ${i} `.padEnd(3_000, "x") });
      doc.off("update", record);
      await db.insert(docUpdates).values(updates.map((update) => ({ docName, update, userId: null })));
      return updates.reduce((n, u) => n + u.byteLength, 0);
    };
    await write(200, "folded");
    expect(await store.compact(docName)).toBe(200);

    // Past the size merged on the event loop, so that its state vector is read on the worker: still apart.
    const tailBytes = await write(100, "after");
    expect(tailBytes).toBeGreaterThan(256 * 1024);
    const apart = await store.load(docName);
    expect(apart).toMatchObject({ logRows: 100, verified: true, headroom: STEP2_HEADROOM });
    expect(apart.tail!.byteLength).toBeGreaterThan(256 * 1024);
    expect(apart.state!.byteLength).toBeGreaterThan(apart.tail!.byteLength);
    sameContent(apart, doc);
    expect(stateVectorOf(apart.stateVector)).toEqual(stateVectorOf(Y.encodeStateVector(doc)));

    // A log as large as its snapshot is merged into one state, as compaction would fold it.
    await write(150, "more");
    const merged = await store.load(docName);
    expect(merged).toMatchObject({ logRows: 250, verified: false, tail: null, parsed: true });
    sameContent(merged, doc);
  });

  it("merges only the newest rows beside an older merged row, and takes a short tail whole when asked", async () => {
    const { db } = database;
    const store = new DocStore(db);
    const docName = `docstore:${randomUUID()}`;
    const doc = new Y.Doc();
    await db.insert(docUpdates).values(writeDocument(doc, 60).map((update) => ({ docName, update, userId: null })));
    expect(await store.compact(docName)).toBe(60);
    const ids = async () =>
      (await db.select({ id: docUpdates.id }).from(docUpdates).where(eq(docUpdates.docName, docName)).orderBy(docUpdates.id)).map((r) => r.id);
    const write = async (edits: number) => {
      const updates: Uint8Array[] = [];
      const record = (u: Uint8Array) => updates.push(u);
      doc.on("update", record);
      for (const id of [...annotationsOf(doc).keys()].slice(0, edits)) (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "re");
      doc.off("update", record);
      await db.insert(docUpdates).values(updates.map((update) => ({ docName, update, userId: null })));
    };

    // Twelve edits, merged into one row.
    await write(12);
    expect(await store.compact(docName)).toBe(11);
    const [first] = await ids();
    // Three more: far smaller than that row, so a pass merges them alone and leaves it as it was.
    await write(3);
    expect(await store.compact(docName)).toBe(2);
    const after = await ids();
    expect(after).toHaveLength(2);
    expect(after[0]).toBe(first);
    const merged = await store.load(docName);
    expect(merged.logRows).toBe(2);
    sameContent(merged, doc);

    // A document nobody has open is taken whole: its tail merged into one row, which the next pass folds.
    const [before] = await db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    expect(await store.compact(docName, { whole: true })).toBe(1);
    expect(await ids()).toHaveLength(1);
    expect(await store.compact(docName, { whole: true })).toBe(1);
    expect(await ids()).toEqual([]);
    const [refolded] = await db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    expect(refolded!.throughUpdateId).toBeGreaterThan(before!.throughUpdateId);
    const folded = await store.load(docName);
    expect(folded).toMatchObject({ logRows: 0, verified: true });
    sameContent(folded, doc);
  });

  it("loses nothing when two compactions of one document race", async () => {
    const store = new DocStore(database.db);
    const docName = `docstore:${randomUUID()}`;
    const doc = new Y.Doc();
    const updates = writeDocument(doc, 30);
    await database.db.insert(docUpdates).values(updates.map((update) => ({ docName, update, userId: null })));
    const lost = await Promise.all([store.compact(docName), store.compact(docName)]);
    // One of them folds the rows; the other finds them gone (or nothing left), and writes nothing.
    expect(lost.sort()).toEqual([0, 30]);
    sameContent(await store.load(docName), doc);
  });

  it("folds the oldest rows first, off the event loop, when the log's ids cross a power of ten", async () => {
    const { db } = database;
    const docName = `docstore:${randomUUID()}`;
    const doc = new Y.Doc();
    const updates = writeDocument(doc, 3);
    // Ids far above the sequence, chosen so that as text the newest sorts first.
    const ids = [99_999_999_998, 99_999_999_999, 100_000_000_000];
    const clear = () => db.delete(docUpdates).where(inArray(docUpdates.id, ids)); // left by an interrupted run on a shared database
    await clear();
    for (const [i, id] of ids.entries()) {
      await db.execute(query`insert into doc_updates (id, doc_name, "update") overriding system value values (${id}, ${docName}, ${Buffer.from(updates[i]!)})`);
    }
    // DocStore's own path, with a batch small enough to leave a row: the embedded database's thread, or the worker's connection.
    const compact: Compactor = compactorOf(db) ?? ((name, options) => compactionWorker.compact(addressOf(db)!, name, options));
    expect(await compact(docName, { batch: 2, foldRatio: 4 })).toBe(2);
    const [snapshot] = await db.select().from(docSnapshots).where(eq(docSnapshots.docName, docName));
    expect(snapshot!.throughUpdateId).toBe(ids[1]);
    expect(Buffer.from(snapshot!.stateHash!)).toEqual(createHash("sha256").update(snapshot!.state).digest());
    const left = await db.select({ id: docUpdates.id }).from(docUpdates).where(eq(docUpdates.docName, docName));
    expect(left.map((r) => r.id)).toEqual([ids[2]]);
    sameContent(await new DocStore(db).load(docName), doc);
    await clear();
  });
});
