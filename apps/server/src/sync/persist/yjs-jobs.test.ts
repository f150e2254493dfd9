import * as Y from "yjs";
import { createAnnotation, readAnnotations, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { fold, mergeMany, planPass } from "./yjs-jobs.mjs";

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

/**
 * Which rows a compaction pass takes (yjs-jobs.mjs, `planPass`): a tail near
 * the snapshot's size is folded whole; a shorter one has only its newest run
 * merged, so that a pass costs what was written since, not the whole tail.
 */
describe("planPass", () => {
  const ratio = { foldRatio: 4 };

  it("folds the whole tail when there is no snapshot, when the tail reaches a quarter of it, or when it is one row", () => {
    expect(planPass(null, [10, 10], ratio)).toEqual({ merge: false, from: 0 });
    expect(planPass(1_000, [100, 100, 50], ratio)).toEqual({ merge: false, from: 0 });
    expect(planPass(1_000_000, [100], ratio)).toEqual({ merge: false, from: 0 });
    expect(planPass(1_000_000, [100], { ...ratio, whole: true })).toEqual({ merge: false, from: 0 });
  });

  it("takes every row of a short tail when asked for the whole log, merging it for the next pass to fold", () => {
    expect(planPass(1_000_000, [50_000, 10, 10], { ...ratio, whole: true })).toEqual({ merge: true, from: 0 });
    expect(planPass(1_000, [100, 100, 50], { ...ratio, whole: true })).toEqual({ merge: false, from: 0 });
  });

  it("merges the newest run, leaving an older merged row more than twice its size alone", () => {
    expect(planPass(1_000_000, [50_000, 10, 10, 10], ratio)).toEqual({ merge: true, from: 1 });
    expect(planPass(1_000_000, [50_000, 40, 10, 10, 10], ratio)).toEqual({ merge: true, from: 1 });
    expect(planPass(1_000_000, [50_000, 61, 10, 10, 10], ratio)).toEqual({ merge: true, from: 2 });
    // A run that ends on a large row, and an older small row before it.
    expect(planPass(1_000_000, [50_000, 10, 30], ratio)).toEqual({ merge: true, from: 1 });
  });

  it("keeps a growing log to a few rows, re-reading each byte a few times rather than at every pass", () => {
    // 500 rows of 400 bytes between passes, beside a snapshot too large to fold into, for 300 passes.
    const rows = 500;
    const rowBytes = 400;
    let log: number[] = [];
    let read = 0;
    let longest = 0;
    for (let pass = 0; pass < 300; pass++) {
      log.push(...Array.from({ length: rows }, () => rowBytes));
      const plan = planPass(Number.MAX_SAFE_INTEGER, log, ratio);
      expect(plan.merge).toBe(true);
      const run = log.slice(plan.from);
      read += run.reduce((n, b) => n + b, 0);
      log = [...log.slice(0, plan.from), run.reduce((n, b) => n + b, 0)];
      longest = Math.max(longest, log.length);
    }
    const written = 300 * rows * rowBytes;
    expect(log.reduce((n, b) => n + b, 0)).toBe(written);
    // A binary counter's digits: about log2(300) merged rows, never hundreds.
    expect(longest).toBeLessThanOrEqual(8);
    // Merging the whole tail each time would have read about 150 times what was written.
    expect(read / written).toBeLessThan(8);
  });
});
