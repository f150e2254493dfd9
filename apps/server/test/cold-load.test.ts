import { eq } from "drizzle-orm";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, annotationsOf, createAnnotation, readAnnotations } from "@marginalia/schema";
import { docSnapshots, docUpdates } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveDocument } from "../src/sync/document/document.ts";
import type { LoadedDocuments } from "../src/sync/document/loaded-documents.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { groupContext } from "./reliability/support/docs.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";

/**
 * A cold load of a folded document: a joining client gets the stored snapshot
 * as it is, and the server's own step 1 too, without the server building a
 * Y.Doc from it (for a large document, a stall of a second or more); the first
 * write builds it. Bytes the server cannot vouch for are built first, so that
 * they fail the load rather than reach a client.
 */
let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp({ sync: { idleUnloadMs: 100 } });
  url = await t.listen();
});
afterAll(() => t.close());

/** The hub's live document for a room, if loaded. */
const loaded = (room: string): LiveDocument | null => (t.hub as unknown as { documents: LoadedDocuments }).documents.live(room);

async function writtenAndUnloaded(count: number) {
  const { owner, article, group } = await articleWithMembers(t.app, []);
  const writer = openSyncClient(url, article.sync.room, owner.token, { acks: true });
  await writer.synced;
  for (let i = 0; i < count; i++) createAnnotation(writer.doc, { kind: "comment", authorId: owner.user.id, body: `note ${i}` });
  await eventually(() => expect(writer.acks.at(-1)).toBe(count + 1), 5_000);
  writer.destroy();
  // Unloaded, then folded whole in the background: one snapshot, no log rows.
  await eventually(async () => {
    expect(loaded(article.sync.room)).toBeNull();
    expect(await t.database.db.select().from(docUpdates).where(eq(docUpdates.docName, article.sync.room))).toEqual([]);
  }, 5_000);
  return { owner, article, group };
}

describe("cold load", () => {
  it("folds a document when it unloads, and serves the snapshot to the next client before building it", async () => {
    const { owner, article, group } = await writtenAndUnloaded(30);
    const [snapshot] = await t.database.db.select().from(docSnapshots).where(eq(docSnapshots.docName, article.sync.room));
    expect(snapshot?.stateHash?.length).toBe(32);

    const stored = await t.hub.store.load(article.sync.room);
    expect(stored.verified).toBe(true);

    // Watch the document from the moment it loads: it must answer the first client while still unbuilt.
    let coldWhenAnswered: boolean | null = null;
    const reader = openSyncClient(url, article.sync.room, owner.token, { acks: true });
    let serverAsked = false;
    const readSync = reader.provider.messageHandlers[MESSAGE_SYNC]!;
    reader.provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, ...rest) => {
      if (decoding.peekVarUint(decoder) === syncProtocol.messageYjsSyncStep1) serverAsked = true;
      readSync(encoder, decoder, ...rest);
    };
    reader.provider.on("sync", (synced: boolean) => {
      if (synced && coldWhenAnswered === null) coldWhenAnswered = loaded(article.sync.room)?.isCold ?? null;
    });
    await reader.synced;
    expect(readAnnotations(reader.doc)).toHaveLength(30);
    expect(coldWhenAnswered).toBe(true);
    // The server's own step 1 comes from the bytes too, and the reader's answer (nothing the server lacks,
    // acknowledged as update 1) leaves it unbuilt: a reader never makes the server build a document.
    await eventually(() => expect(serverAsked).toBe(true), 2_000);
    await eventually(() => expect(reader.acks).toEqual([1]), 2_000);
    expect(loaded(article.sync.room)?.isCold).toBe(true);
    // The first write builds it, and is applied as ever.
    const id = createAnnotation(reader.doc, { kind: "comment", authorId: owner.user.id, body: "after a cold load" });
    await eventually(() => expect(reader.acks).toEqual([1, 2]), 5_000);
    expect(loaded(article.sync.room)?.isCold).toBe(false);
    await eventually(async () => expect(await t.hub.read(groupContext({ id: article.id, groupId: group.id }), (live) => annotationsOf(live.doc).has(id))).toBe(true), 5_000);
    reader.destroy();
  });

  /** About 300 KB of state: past the size from which a cold document is built in slices. */
  async function largeAndUnloaded() {
    const { owner, article, group } = await writtenAndUnloaded(0);
    const writer = openSyncClient(url, article.sync.room, owner.token, { acks: true });
    await writer.synced;
    for (let i = 0; i < 200; i++) createAnnotation(writer.doc, { kind: "comment", authorId: owner.user.id, body: `${i} `.padEnd(1_500, "x") });
    await eventually(() => expect(writer.acks.at(-1)).toBe(201), 10_000);
    writer.destroy();
    await eventually(async () => {
      expect(loaded(article.sync.room)).toBeNull();
      expect(await t.database.db.select().from(docUpdates).where(eq(docUpdates.docName, article.sync.room))).toEqual([]);
    }, 10_000);
    return { owner, article, group };
  }

  it("builds a large folded document in the background, a slice per turn, before anyone writes", async () => {
    const { owner, article, group } = await largeAndUnloaded();

    const reader = openSyncClient(url, article.sync.room, owner.token, { acks: true });
    // Seen between two slices at least once: part of the document built, the rest still to come.
    let seenMidway = false;
    const watch = setInterval(() => {
      type Phase = { slices?: { list: unknown[]; next: number } | null };
      const slices = (loaded(article.sync.room) as unknown as { build: { phase: Phase } } | null)?.build.phase.slices;
      if (slices && slices.next > 0 && slices.next < slices.list.length) seenMidway = true;
    }, 0);
    try {
      await reader.synced;
      await eventually(() => expect(loaded(article.sync.room)?.isCold).toBe(false), 10_000);
    } finally {
      clearInterval(watch);
    }
    expect(seenMidway).toBe(true);
    expect(reader.acks.length).toBeLessThanOrEqual(1); // built with no write from anyone
    const ids = await t.hub.read(groupContext({ id: article.id, groupId: group.id }), (live) => [...annotationsOf(live.doc).keys()]);
    expect(ids.sort()).toEqual(readAnnotations(reader.doc).map((a) => a.id).sort());
    expect(ids).toHaveLength(200);
    reader.destroy();
  });

  it("serves a folded snapshot as stored with the rows written after it, whole by the time the client is synced", async () => {
    const { owner, article, group } = await largeAndUnloaded();
    // Rows written after the fold, as another server process with the document open would write them.
    const [snapshot] = await t.database.db.select().from(docSnapshots).where(eq(docSnapshots.docName, article.sync.room));
    const elsewhere = new Y.Doc();
    Y.applyUpdate(elsewhere, snapshot!.state);
    const rows: Uint8Array[] = [];
    elsewhere.on("update", (u: Uint8Array) => rows.push(u));
    const later = [0, 1, 2].map((i) => createAnnotation(elsewhere, { kind: "comment", authorId: owner.user.id, body: `written elsewhere ${i}` }));
    await t.database.db.insert(docUpdates).values(rows.map((update) => ({ docName: article.sync.room, update, userId: owner.user.id })));
    expect(await t.hub.store.load(article.sync.room)).toMatchObject({ verified: true, logRows: 3 });

    const reader = openSyncClient(url, article.sync.room, owner.token);
    // The step 2 is the snapshot as stored, not merged with the rows: that merge reads and writes all of it.
    let step2: Uint8Array | null = null;
    const readSync = reader.provider.messageHandlers[MESSAGE_SYNC]!;
    reader.provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, ...rest) => {
      const peek = decoding.clone(decoder);
      if (decoding.readVarUint(peek) === syncProtocol.messageYjsSyncStep2) step2 ??= decoding.readVarUint8Array(peek);
      readSync(encoder, decoder, ...rest);
    };
    let whenSynced: { cold: boolean | null; annotations: number } | null = null;
    reader.provider.on("sync", (synced: boolean) => {
      if (synced && !whenSynced) whenSynced = { cold: loaded(article.sync.room)?.isCold ?? null, annotations: annotationsOf(reader.doc).size };
    });
    await reader.synced;
    expect(whenSynced).toEqual({ cold: true, annotations: 203 });
    expect(Buffer.from(step2!)).toEqual(Buffer.from(snapshot!.state));
    expect(readAnnotations(reader.doc).filter((a) => later.includes(a.id)).map((a) => a.body).sort()).toEqual([0, 1, 2].map((i) => `written elsewhere ${i}`));
    // Built, the server's document holds them too.
    const ids = await t.hub.read(groupContext({ id: article.id, groupId: group.id }), (live) => [...annotationsOf(live.doc).keys()]);
    expect(ids).toHaveLength(203);
    expect(later.every((id) => ids.includes(id))).toBe(true);
    reader.destroy();
  });

  it("builds a snapshot whose bytes no longer match their hash before serving it, and refuses it with 1011", async () => {
    const { owner, article } = await writtenAndUnloaded(3);
    // The bytes change behind the server's back: the hash no longer vouches for them.
    await t.database.db.update(docSnapshots).set({ state: new Uint8Array([1, 2, 3, 4, 5]) }).where(eq(docSnapshots.docName, article.sync.room));
    expect((await t.hub.store.load(article.sync.room)).verified).toBe(false);
    const reader = openSyncClient(url, article.sync.room, owner.token);
    await eventually(() => expect(reader.closes[0]?.code).toBe(1011), 5_000);
    reader.destroy();
    // Nothing was written over what is stored.
    const [after] = await t.database.db.select().from(docSnapshots).where(eq(docSnapshots.docName, article.sync.room));
    expect([...after!.state]).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads a large state nothing vouches for through on the worker, then serves it unbuilt", async () => {
    const { owner, article } = await largeAndUnloaded();
    // No hash: the bytes are a snapshot, but nothing says this server wrote them as they are.
    await t.database.db.update(docSnapshots).set({ stateHash: null }).where(eq(docSnapshots.docName, article.sync.room));
    expect(await t.hub.store.load(article.sync.room)).toMatchObject({ verified: false, parsed: true, logRows: 0 });
    let coldWhenAnswered: boolean | null = null;
    const reader = openSyncClient(url, article.sync.room, owner.token);
    reader.provider.on("sync", (synced: boolean) => {
      if (synced && coldWhenAnswered === null) coldWhenAnswered = loaded(article.sync.room)?.isCold ?? null;
    });
    await reader.synced;
    expect(coldWhenAnswered).toBe(true);
    expect(readAnnotations(reader.doc)).toHaveLength(200);
    await eventually(() => expect(loaded(article.sync.room)?.isCold).toBe(false), 10_000);
    reader.destroy();
  });

  it("fails the load of a large state that does not parse, on the worker, with 1011", async () => {
    const { owner, article } = await largeAndUnloaded();
    const [snapshot] = await t.database.db.select().from(docSnapshots).where(eq(docSnapshots.docName, article.sync.room));
    // Cut short, as a torn write would leave it: still past the sliced-build size.
    const torn = snapshot!.state.subarray(0, Math.floor(snapshot!.state.byteLength * 0.9));
    expect(torn.byteLength).toBeGreaterThan(256 * 1024);
    await t.database.db.update(docSnapshots).set({ state: torn, stateHash: null }).where(eq(docSnapshots.docName, article.sync.room));
    await expect(t.hub.store.load(article.sync.room)).rejects.toThrow(/end of array/i);
    const reader = openSyncClient(url, article.sync.room, owner.token);
    await eventually(() => expect(reader.closes[0]?.code).toBe(1011), 5_000);
    reader.destroy();
    expect(loaded(article.sync.room)).toBeNull();
    const [after] = await t.database.db.select().from(docSnapshots).where(eq(docSnapshots.docName, article.sync.room));
    expect(after!.state.byteLength).toBe(torn.byteLength);
  });
});
