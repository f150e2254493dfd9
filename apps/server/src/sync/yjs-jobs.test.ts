import * as Y from "yjs";
import { createAnnotation, readAnnotations, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { fold, mergeMany } from "./yjs-jobs.mjs";

/** A document, and the updates it makes from here on, one per change. */
function recorded() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  return { doc, updates };
}

/** The state, applied to a fresh document, holds the same annotations as `doc`. */
function expectSameAnnotations(state: Uint8Array, doc: Y.Doc) {
  const back = new Y.Doc();
  Y.applyUpdate(back, state);
  expect(readAnnotations(back)).toEqual(readAnnotations(doc));
}

const contains = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text));

/**
 * Folding a snapshot with the log after it (yjs-jobs.mjs, `fold`): merged
 * without a Y.Doc when the log deletes nothing, through one when it does, so
 * that what it deleted is collected either way.
 */
describe("fold", () => {
  it("merges a collected snapshot with a log that deletes nothing, without building a document", () => {
    const { doc, updates } = recorded();
    for (let i = 0; i < 20; i++) createAnnotation(doc, { kind: "comment", authorId: "u", body: `first ${i}` });
    const snapshot = fold(null, updates.splice(0)).state;
    for (let i = 0; i < 20; i++) createAnnotation(doc, { kind: "comment", authorId: "u", body: `then ${i}` });
    const folded = fold(snapshot, updates);
    // Byte for byte the merge: no Y.Doc was built for it.
    expect(Buffer.from(folded.state).equals(Buffer.from(Y.mergeUpdates([snapshot, mergeMany(updates)])))).toBe(true);
    expectSameAnnotations(folded.state, doc);
  });

  it("folds a log that deletes through a Y.Doc, so that the deleted text is collected", () => {
    const { doc, updates } = recorded();
    const id = createAnnotation(doc, { kind: "comment", authorId: "u", body: "a claim that was withdrawn" });
    createAnnotation(doc, { kind: "comment", authorId: "u", body: "another note" });
    const snapshot = fold(null, updates.splice(0)).state;
    expect(contains(snapshot, "withdrawn")).toBe(true);
    updateAnnotation(doc, id, { body: "a corrected claim" });
    const folded = fold(snapshot, updates);
    expect(contains(folded.state, "withdrawn")).toBe(false);
    expect(contains(Y.mergeUpdates([snapshot, ...updates]), "withdrawn")).toBe(true);
    expectSameAnnotations(folded.state, doc);
  });

  it("folds a log with no snapshot through a Y.Doc", () => {
    const { doc, updates } = recorded();
    const id = createAnnotation(doc, { kind: "comment", authorId: "u", body: "draft wording" });
    updateAnnotation(doc, id, { body: "final" });
    const folded = fold(null, updates);
    expect(contains(folded.state, "draft wording")).toBe(false);
    expectSameAnnotations(folded.state, doc);
  });
});
