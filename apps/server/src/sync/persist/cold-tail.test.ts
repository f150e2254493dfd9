import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC, annotationsOf, createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { alice, articleId } from "../authorize/authorize-testing.ts";
import { stateVectorWithTail } from "./cold-tail.mjs";
import { LiveDocument } from "../document/document.ts";
import { compactionWorker, yjsWorker } from "./yjs-worker.ts";
import { SLICED_BUILD_BYTES } from "../document/sliced-build.ts";

const vector = (sv: Uint8Array) => Object.fromEntries(Y.decodeStateVector(sv));

/** A snapshot of `doc` now, and a recorder of the updates `doc` makes after it. */
function snapshotThenLog(doc: Y.Doc) {
  const snapshot = Y.encodeStateAsUpdate(doc);
  const log: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => log.push(u));
  return { snapshot, log };
}

function writer(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

describe("the state vector of a snapshot and its tail", () => {
  it("moves each client's clock past the tail's structs that continue it, and no further than a gap", () => {
    const a = writer(1);
    const b = writer(2);
    createAnnotation(a, { kind: "comment", authorId: alice, body: "before the snapshot" });
    const { snapshot, log } = snapshotThenLog(a);
    Y.applyUpdate(b, snapshot);
    const ofB: Uint8Array[] = [];
    b.on("update", (u: Uint8Array) => ofB.push(u));
    createAnnotation(a, { kind: "comment", authorId: alice, body: "after it" });
    const bClocks: number[] = [];
    for (const body of ["a second writer", "and more", "and the last"]) {
      createAnnotation(b, { kind: "comment", authorId: alice, body });
      bClocks.push(vector(Y.encodeStateVector(b))[2]!);
    }
    const snapshotVector = Y.encodeStateVectorFromUpdate(snapshot);
    const whole = vector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates([snapshot, ...log, ...ofB])));

    expect(vector(stateVectorWithTail(snapshotVector, Y.mergeUpdates([...log, ...ofB])))).toEqual(whole);
    // A tail that repeats what the snapshot holds, as a load racing a fold reads it: the same vector.
    expect(vector(stateVectorWithTail(snapshotVector, Y.mergeUpdates([snapshot, ...log, ...ofB])))).toEqual(whole);

    // B's later updates without its first: B's clock does not move, as Yjs would hold them pending.
    const pending = vector(stateVectorWithTail(snapshotVector, Y.mergeUpdates([...log, ofB[1]!, ofB[2]!])));
    expect(pending).toEqual({ 1: whole[1] });
    // A gap inside one client's tail (a skip in the merged update): its clock stops before it.
    const gap = vector(stateVectorWithTail(snapshotVector, Y.mergeUpdates([ofB[0]!, ofB[2]!])));
    expect(gap).toEqual({ ...vector(snapshotVector), 2: bClocks[0] });
  });

  it("is the same when the loads' worker reads it", async () => {
    const a = writer(3);
    for (let i = 0; i < 3; i++) createAnnotation(a, { kind: "comment", authorId: alice, body: `snapshot ${i}` });
    const { snapshot, log } = snapshotThenLog(a);
    for (let i = 0; i < 3; i++) createAnnotation(a, { kind: "comment", authorId: alice, body: `tail ${i}` });
    const sv = Y.encodeStateVectorFromUpdate(snapshot);
    const tail = Y.mergeUpdates(log);
    expect(vector(await yjsWorker.stateVectorWithTail(sv, tail))).toEqual(vector(stateVectorWithTail(sv, tail)));
    expect(vector(stateVectorWithTail(sv, tail))).toEqual(vector(Y.encodeStateVector(a)));
  });

  it("throws on a tail that does not parse", () => {
    expect(() => stateVectorWithTail(Y.encodeStateVector(new Y.Doc()), new Uint8Array([1, 200, 7]))).toThrow();
  });
});

/** The updates carried by sync messages, in order: step 2s and updates alike. */
function updatesIn(messages: Uint8Array[]): Array<{ step: number; update: Uint8Array }> {
  return messages.map((message) => {
    const decoder = decoding.createDecoder(message);
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_SYNC);
    const step = decoding.readVarUint(decoder);
    return { step, update: decoding.readVarUint8Array(decoder) };
  });
}

describe("a cold document loaded as a snapshot and a tail", () => {
  const context = { docName: "article:tail", articleId, groupId: "g", visibility: "group" as const, revision: 1 };

  it("sends a new client the tail, then the snapshot as its step 2, and builds from both", async () => {
    const source = writer(5);
    for (let i = 0; i < 3; i++) createAnnotation(source, { kind: "comment", authorId: alice, body: `snapshot ${i}` });
    const { snapshot, log } = snapshotThenLog(source);
    const ids = [...annotationsOf(source).keys()];
    (annotationsOf(source).get(ids[0]!)!.get("body") as Y.Text).insert(0, "edited ");
    annotationsOf(source).delete(ids[1]!);
    createAnnotation(source, { kind: "comment", authorId: alice, body: "after the snapshot" });
    const tail = Y.mergeUpdates(log);
    const stateVector = stateVectorWithTail(Y.encodeStateVectorFromUpdate(snapshot), tail);
    const live = new LiveDocument(context, { persist: () => Promise.resolve() }, { bytes: snapshot, tail, servable: true, stateVector });

    // A new client: the tail first, as an update, then the snapshot as the step 2.
    const sent = updatesIn(await live.syncStep2For(Y.encodeStateVector(new Y.Doc())));
    expect(sent.map((m) => m.step)).toEqual([syncProtocol.messageYjsUpdate, syncProtocol.messageYjsSyncStep2]);
    expect(Buffer.from(sent[1]!.update)).toEqual(Buffer.from(snapshot));
    const client = new Y.Doc();
    Y.applyUpdate(client, sent[0]!.update);
    // Held pending until the step 2 brings what it builds on, then whole.
    expect(annotationsOf(client).size).toBe(0);
    expect(client.store.pendingStructs).not.toBeNull();
    Y.applyUpdate(client, sent[1]!.update);
    expect(readAnnotations(client)).toEqual(readAnnotations(source));
    expect(client.store.pendingStructs).toBeNull();

    // A client that has the snapshot gets the tail's difference and an empty-ish step 2.
    const behind = new Y.Doc();
    Y.applyUpdate(behind, snapshot);
    const catchUp = updatesIn(await live.syncStep2For(Y.encodeStateVector(behind)));
    for (const { update } of catchUp) Y.applyUpdate(behind, update);
    expect(readAnnotations(behind)).toEqual(readAnnotations(source));

    // Built, it holds the tail too, and answers from the document.
    expect(live.isCold).toBe(true);
    expect(readAnnotations(live.doc)).toEqual(readAnnotations(source));
    expect(vector(Y.encodeStateVector(live.doc))).toEqual(vector(stateVector));
    expect(updatesIn(await live.syncStep2For(Y.encodeStateVector(new Y.Doc())))).toHaveLength(1);
    live.destroy();
  });

  it("builds a large snapshot with a large tail in slices, the tail merged in and cut with it", async () => {
    const source = writer(7);
    source.transact(() => {
      for (let i = 0; i < 200; i++) createAnnotation(source, { kind: "comment", authorId: alice, body: `${i} `.padEnd(1_500, "s") });
    });
    const { snapshot, log } = snapshotThenLog(source);
    source.transact(() => {
      for (let i = 0; i < 200; i++) createAnnotation(source, { kind: "comment", authorId: alice, body: `${i} `.padEnd(1_400, "t") });
    });
    const tail = Y.mergeUpdates(log);
    expect(tail.byteLength).toBeGreaterThanOrEqual(SLICED_BUILD_BYTES);
    const merges = vi.spyOn(compactionWorker, "merge");
    const live = new LiveDocument(context, { persist: () => Promise.resolve() }, { bytes: snapshot, tail, servable: true });
    expect(live.isBuilding).toBe(true);
    await live.whenBuilt();
    expect(live.isCold).toBe(false);
    expect(merges).toHaveBeenCalledTimes(1);
    expect(readAnnotations(live.doc)).toEqual(readAnnotations(source));
    expect(live.doc.store.pendingStructs).toBeNull();
    live.destroy();
    merges.mockRestore();
  });

  it("reads the state vector from the snapshot on the worker and adds the tail when none was stored", async () => {
    const source = writer(6);
    createAnnotation(source, { kind: "comment", authorId: alice, body: "snapshot" });
    const { snapshot, log } = snapshotThenLog(source);
    createAnnotation(source, { kind: "comment", authorId: alice, body: "tail" });
    const live = new LiveDocument(context, { persist: () => Promise.resolve() }, { bytes: snapshot, tail: Y.mergeUpdates(log), servable: true });
    expect(vector(await live.stateVector())).toEqual(vector(Y.encodeStateVector(source)));
    expect(live.isCold).toBe(true);
    live.destroy();
  });
});
