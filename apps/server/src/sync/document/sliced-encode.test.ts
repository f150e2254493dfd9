import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, annotationsOf, createAnnotation, deleteAnnotation, notesOf, setVote, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { type Rng, seeded } from "../../../test/support/seed.ts";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId } from "../authorize/authorize-testing.ts";
import { Connection } from "../connection/connection.ts";
import { LiveDocument } from "./document.ts";
import { docState } from "../../../test/reliability/support/docs.ts";
import { ENCODE_WHOLE_MAX_BYTES, ENCODE_WHOLE_MAX_STRUCTS, encodeStateInSlices, structCount } from "./sliced-encode.ts";

/** Slices this small cut a test's document into hundreds, as 20,000 cut a 10 MB one. */
const SLICE = 50;

/** One random edit of the kinds clients make, by the writer `doc`: annotations made, edited, deleted; votes; notes. */
function edit(doc: Y.Doc, rng: Rng, authorId: string) {
  const ids = [...annotationsOf(doc).keys()];
  const roll = rng.int(10);
  if (roll < 3 || ids.length === 0) createAnnotation(doc, { kind: "comment", authorId, body: `body ${rng.int(1e6)} `.repeat(1 + rng.int(3)) });
  else if (roll < 5) updateAnnotation(doc, rng.pick(ids), { body: `edited ${rng.int(1e6)}`, tags: [`t${rng.int(5)}`] });
  else if (roll < 6) deleteAnnotation(doc, rng.pick(ids));
  else if (roll < 8) setVote(doc, rng.pick(ids), authorId, rng.chance(0.5) ? "agree" : "disagree");
  else {
    const notes = notesOf(doc);
    if (notes.length > 10 && rng.chance(0.4)) notes.delete(rng.int(notes.length - 5), 1 + rng.int(4));
    else notes.insert(rng.int(notes.length + 1), `n${rng.int(100)} `);
  }
}

/** Writers editing one document in turn, each edit reaching the others: many clients, split and deleted structs. */
function history(rng: Rng, writers: number, edits: number): Y.Doc[] {
  const docs = Array.from({ length: writers }, () => {
    const doc = new Y.Doc();
    doc.clientID = rng.clientId();
    return doc;
  });
  for (let i = 0; i < edits; i++) {
    const writer = rng.pick(docs);
    const before = Y.encodeStateVector(writer);
    edit(writer, rng, `author-${docs.indexOf(writer)}`);
    const update = Y.encodeStateAsUpdate(writer, before);
    for (const other of docs) if (other !== writer) Y.applyUpdate(other, update);
  }
  return docs;
}

/** A state vector as Yjs encodes one. */
function encodedVector(sv: Map<number, number>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, sv.size);
  for (const [client, clock] of sv) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
  }
  return encoding.toUint8Array(e);
}

const never = () => false;


describe("encodeStateInSlices", () => {
  it("writes the bytes Yjs writes, whole or from any state vector, across many slices", async () => {
    const rng = seeded("sliced-encode: bytes");
    const [server] = history(rng, 6, 600);
    expect(structCount(server!), `seed ${rng.seed}`).toBeGreaterThan(10 * SLICE);
    // Up to date; behind on some clients (mid-struct, too); ahead on a client the server never heard of.
    const behind = new Map(Y.decodeStateVector(Y.encodeStateVector(server!)));
    for (const [client, clock] of behind) behind.set(client, Math.floor((clock * rng.int(100)) / 100));
    behind.set(rng.clientId(), 5);
    const vectors = [new Uint8Array([0]), Y.encodeStateVector(server!), encodedVector(behind)];
    for (const sv of vectors) expect(await encodeStateInSlices(server!, sv, never, SLICE)).toEqual(Y.encodeStateAsUpdate(server!, sv));
  });

  it("gives a new client the whole document with what is broadcast while it is written, whatever changes between slices", async () => {
    const rng = seeded("sliced-encode: concurrent");
    const [server, writer] = history(rng, 3, 500);
    const broadcasts: Uint8Array[] = [];
    server!.on("update", (u: Uint8Array) => broadcasts.push(u));
    let changing = true;
    // Edits land between the slices, as socket updates do between turns of the loop.
    const changes = (async () => {
      while (changing) {
        await new Promise((r) => setImmediate(r));
        const before = Y.encodeStateVector(writer!);
        for (let i = 0; i < 3; i++) edit(writer!, rng, "author-1");
        Y.applyUpdate(server!, Y.encodeStateAsUpdate(writer!, before));
      }
    })();
    const encoded = await encodeStateInSlices(server!, new Uint8Array([0]), never, SLICE);
    changing = false;
    await changes;
    expect(broadcasts.length, `seed ${rng.seed}: the document changed while it was written`).toBeGreaterThan(10);

    // The broadcasts may arrive before the step 2 or after it: Yjs holds what it cannot place yet.
    for (const order of ["broadcasts first", "step 2 first"]) {
      const client = new Y.Doc();
      const parts = order === "step 2 first" ? [encoded!, ...broadcasts] : [...broadcasts, encoded!];
      for (const part of parts) Y.applyUpdate(client, part);
      expect(client.store.pendingStructs, `${order}, seed ${rng.seed}`).toBeNull();
      expect(client.store.pendingDs, `${order}, seed ${rng.seed}`).toBeNull();
      expect(Y.encodeStateVector(client), `${order}, seed ${rng.seed}`).toEqual(Y.encodeStateVector(server!));
      expect(docState(client), `${order}, seed ${rng.seed}`).toEqual(docState(server!));
    }
  });

  it("stops, with nothing, once the document is gone", async () => {
    const rng = seeded("sliced-encode: gone");
    const [server] = history(rng, 2, 300);
    let turns = 0;
    expect(await encodeStateInSlices(server!, new Uint8Array([0]), () => ++turns === 3, SLICE)).toBeNull();
    expect(turns).toBe(3);
  });
});

describe("a new client of a large built document", () => {
  it("gets its step 2 in later turns, and with the broadcasts of what was written meanwhile holds the whole document", async () => {
    const source = new Y.Doc();
    source.transact(() => {
      for (let i = 0; i < 1_500; i++) createAnnotation(source, { kind: "comment", authorId: alice, body: `note ${i}` });
    });
    const live = new LiveDocument(
      { docName: "article:large", articleId, groupId: "g", visibility: "group", revision: 1 },
      { persist: () => Promise.resolve() },
      { bytes: Y.encodeStateAsUpdate(source), servable: true },
    );
    await live.whenBuilt();
    void live.doc;
    expect(structCount(live.doc)).toBeGreaterThan(ENCODE_WHOLE_MAX_STRUCTS);

    const sent: Uint8Array[] = [];
    const connection = new Connection({ send: (m) => void sent.push(m), close: () => {} }, { acks: false, logger: createLogger("silent"), maxBuffered: 64 });
    connection.open(live, actor(alice, "annotator"), { id: alice, name: "Alice", color: "red" }, alice);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(e, new Y.Doc());
    connection.receive(encoding.toUint8Array(e));
    const stepsSent = () => sent.map((m) => decoding.createDecoder(m)).filter((d) => decoding.readVarUint(d) === MESSAGE_SYNC).map((d) => decoding.readVarUint(d));
    // Not answered in this turn: the encoding has just begun.
    expect(stepsSent()).not.toContain(syncProtocol.messageYjsSyncStep2);

    // Someone writes while it is encoded; the broadcast reaches the new client, before its step 2 or after.
    const writer = new Y.Doc();
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(live.doc));
    const before = Y.encodeStateVector(writer);
    const written = createAnnotation(writer, { kind: "comment", authorId: alice, body: "written meanwhile" });
    await live.apply(Y.encodeStateAsUpdate(writer, before), { userId: null });
    while (!stepsSent().includes(syncProtocol.messageYjsSyncStep2)) await new Promise((r) => setImmediate(r));

    const client = new Y.Doc();
    for (const message of sent) {
      const d = decoding.createDecoder(message);
      if (decoding.readVarUint(d) !== MESSAGE_SYNC || decoding.readVarUint(d) === syncProtocol.messageYjsSyncStep1) continue;
      Y.applyUpdate(client, decoding.readVarUint8Array(d));
    }
    expect(client.store.pendingStructs).toBeNull();
    expect(annotationsOf(client).has(written)).toBe(true);
    expect(docState(client)).toEqual(docState(live.doc));
    connection.close(1000, "done");
    live.destroy();
  });

  it("stops writing an answer nobody wants any more: a client that asked and left", async () => {
    const source = new Y.Doc();
    source.transact(() => {
      for (let i = 0; i < 1_500; i++) createAnnotation(source, { kind: "comment", authorId: alice, body: `note ${i}` });
    });
    const live = new LiveDocument(
      { docName: "article:left", articleId, groupId: "g", visibility: "group", revision: 1 },
      { persist: () => Promise.resolve() },
      { bytes: Y.encodeStateAsUpdate(source), servable: true },
    );
    await live.whenBuilt();
    void live.doc;
    let asked = 0;
    // A slow machine, whatever this one is: every look at the clock ends a slice.
    let clock = 0;
    const now = vi.spyOn(performance, "now").mockImplementation(() => (clock += 50));
    try {
      // Wanted for the first slice only, as when the socket closes while its answer is written.
      const answer = await live.syncStep2For(Y.encodeStateVector(new Y.Doc()), undefined, () => asked++ === 0);
      expect(answer).toEqual([]);
      expect(asked).toBe(2);
    } finally {
      now.mockRestore();
      live.destroy();
    }
  });

  it("is written in slices too when few structs make many bytes (long bodies), whether it was loaded that large or grew", async () => {
    const long = (i: number) => `${i} `.padEnd(20_000, "z");
    const source = new Y.Doc();
    source.transact(() => {
      for (let i = 0; i < 20; i++) createAnnotation(source, { kind: "comment", authorId: alice, body: long(i) });
    });
    const context = { docName: "article:long-bodies", articleId, groupId: "g", visibility: "group" as const, revision: 1 };
    const loaded = new LiveDocument(context, { persist: () => Promise.resolve() }, { bytes: Y.encodeStateAsUpdate(source), servable: true });
    const grown = new LiveDocument(context, { persist: () => Promise.resolve() });
    await grown.apply(Y.encodeStateAsUpdate(source), { userId: null });
    for (const live of [loaded, grown]) {
      await live.whenBuilt();
      void live.doc;
      expect(structCount(live.doc)).toBeLessThan(ENCODE_WHOLE_MAX_STRUCTS);
      expect(Y.encodeStateAsUpdate(live.doc).length).toBeGreaterThan(ENCODE_WHOLE_MAX_BYTES);
      let charged = 0;
      const answer = live.syncStep2For(Y.encodeStateVector(new Y.Doc()), (ms) => (charged += ms));
      expect(answer).toBeInstanceOf(Promise);
      const client = new Y.Doc();
      for (const message of await answer) {
        const d = decoding.createDecoder(message);
        decoding.readVarUint(d);
        decoding.readVarUint(d);
        Y.applyUpdate(client, decoding.readVarUint8Array(d));
      }
      expect(docState(client)).toEqual(docState(source));
      // Its time is told, for the asking account's share of the loop.
      expect(charged).toBeGreaterThan(0);
      live.destroy();
    }
  });
});
