import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { storedDiff } from "./stored-diff.mjs";

/** A document of a few annotations, one of them deleted, and its state as loaded. */
function loadedCopy() {
  const doc = new Y.Doc();
  const ids = ["one", "two", "three"].map((body) => createAnnotation(doc, { kind: "comment", authorId: "u", body }));
  annotationsOf(doc).delete(ids[2]!);
  return { doc, ids, state: Y.encodeStateAsUpdate(doc), sv: Y.encodeStateVector(doc) };
}

/** Another process's change to `doc`, as the log row it commits. */
function committed(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const before = Y.encodeStateVector(doc);
  change(doc);
  return Y.encodeStateAsUpdate(doc, before);
}

const applied = (state: Uint8Array, update: Uint8Array | null) => {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, state);
  if (update) Y.applyUpdate(copy, update);
  return readAnnotations(copy).map((a) => a.body).sort();
};

describe("what a loaded copy lacks of the stored state (stored-diff.mjs)", () => {
  it("is nothing for a cold copy of the same bytes, or of a snapshot and tail that compaction folded since", () => {
    const { doc, ids, state, sv: before } = loadedCopy();
    expect(storedDiff(before, [state], [state])).toBeNull();
    const tail = committed(doc, (d) => annotationsOf(d).delete(ids[1]!));
    const folded = Y.mergeUpdates([state, tail]);
    expect(Buffer.compare(folded, state)).not.toBe(0);
    expect(storedDiff(Y.encodeStateVector(doc), [folded], [state, tail])).toBeNull();
  });

  it("carries a deletion alone, and an insert, committed after the load, to a cold copy and to a built one", () => {
    const { doc, ids, state, sv } = loadedCopy();
    const deletion = committed(doc, (d) => annotationsOf(d).delete(ids[0]!));
    for (const loaded of [[state], null]) {
      const diff = storedDiff(sv, [state, deletion], loaded);
      expect(applied(state, diff)).toEqual(["two"]);
    }
    const insert = committed(doc, (d) => createAnnotation(d, { kind: "comment", authorId: "u", body: "four" }));
    const diff = storedDiff(sv, [state, Y.mergeUpdates([deletion, insert])], [state]);
    expect(applied(state, diff)).toEqual(["four", "two"]);
    // Only the structs past the copy's state vector travel.
    expect(diff!.byteLength).toBeLessThan(insert.byteLength + deletion.byteLength + 16);
  });

  it("sends a built copy every stored deletion, which it may not hold, and applying them again changes nothing", () => {
    const { doc, ids, state } = loadedCopy();
    const tail = committed(doc, (d) => annotationsOf(d).delete(ids[1]!));
    const sv = Y.encodeStateVector(doc);
    expect(storedDiff(sv, [state, tail], [state, tail])).toBeNull();
    const diff = storedDiff(sv, [state, tail], null);
    expect(diff).not.toBeNull();
    expect(applied(Y.encodeStateAsUpdate(doc), diff)).toEqual(["one"]);
  });
});
