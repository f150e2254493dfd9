import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { createAnnotation, updateAnnotation } from "@marginalia/schema";
import { notStored } from "../persist/commit-errors.ts";
import { RefusedStructs } from "./refused-structs.ts";

/** The update a change to `doc` makes, as the live document's update event gives it. */
function changeOf(doc: Y.Doc, fn: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const take = (u: Uint8Array) => (update = u);
  doc.on("update", take);
  fn();
  doc.off("update", take);
  return update!;
}

/** A note written by a new client: each its own client id. */
function note(text: string): Uint8Array {
  const doc = new Y.Doc();
  return changeOf(doc, () => doc.getText("notes").insert(0, text));
}

describe("RefusedStructs", () => {
  it("refuses content under the refused struct ids when it comes back, in a step 2 too, and nothing else", () => {
    const doc = new Y.Doc();
    const before = changeOf(doc, () => createAnnotation(doc, { id: "a1", kind: "comment", authorId: "m1", body: "fine" }));
    const sv = Y.encodeStateVector(doc);
    const refused = changeOf(doc, () => createAnnotation(doc, { id: "a2", kind: "comment", authorId: "m1", body: "refused" }));
    const later = changeOf(doc, () => updateAnnotation(doc, "a1", { body: "later" }));
    const memory = new RefusedStructs();
    memory.remember("article:x", refused);

    expect(memory.carries("article:x", refused)).toBe(true);
    // What a provider sends on reconnecting: everything past the server's state, the refused change with it.
    expect(memory.carries("article:x", Y.encodeStateAsUpdate(doc, sv))).toBe(true);
    expect(memory.carries("article:x", before)).toBe(false);
    expect(memory.carries("article:x", later)).toBe(false);
    expect(memory.carries("article:y", refused)).toBe(false);
    // Another client's content is never the refused one, whatever its clocks.
    const other = new Y.Doc();
    expect(memory.carries("article:x", changeOf(other, () => createAnnotation(other, { id: "a3", kind: "comment", authorId: "m2", body: "other" })))).toBe(false);
  });

  it("remembers an update once the commit refuses it for what it is, not when it was dropped for another's refusal", async () => {
    const doc = new Y.Doc();
    const [first, second] = [1, 2].map((n) => changeOf(doc, () => createAnnotation(doc, { id: `a${n}`, kind: "comment", authorId: "m1", body: `${n}` })));
    const memory = new RefusedStructs();
    const source = { context: { docName: "article:x" } };
    memory.watch("article:x", first!, Promise.reject(notStored("refused", source)));
    memory.watch("article:x", second!, Promise.reject(notStored("reloaded", source)));
    await new Promise((resolve) => setImmediate(resolve));
    expect([memory.carries("article:x", first!), memory.carries("article:x", second!)]).toEqual([true, false]);
  });

  it("forgets a refusal after ten minutes", () => {
    let now = 0;
    const doc = new Y.Doc();
    const refused = changeOf(doc, () => createAnnotation(doc, { id: "a1", kind: "comment", authorId: "m1", body: "refused" }));
    const memory = new RefusedStructs(() => now);
    memory.remember("article:x", refused);
    now = 10 * 60_000 - 1;
    expect(memory.carries("article:x", refused)).toBe(true);
    now = 10 * 60_000;
    expect(memory.carries("article:x", refused)).toBe(false);
  });

  it("forgets each document's refusals in the order they were made, whichever document holds them", () => {
    let now = 0;
    const [x1, y1, x2] = [note("x1"), note("y1"), note("x2")];
    const memory = new RefusedStructs(() => now);
    memory.remember("article:x", x1);
    now = 5 * 60_000;
    memory.remember("article:y", y1);
    now = 10 * 60_000;
    expect([memory.carries("article:x", x1), memory.carries("article:y", y1)]).toEqual([false, true]);
    memory.remember("article:x", x2);
    now = 15 * 60_000;
    expect([memory.carries("article:x", x2), memory.carries("article:y", y1)]).toEqual([true, false]);
    now = 20 * 60_000;
    expect(memory.carries("article:x", x2)).toBe(false);
  });

  it("keeps 4,096 refusals at most, the oldest going first whatever its document", () => {
    const memory = new RefusedStructs(() => 0);
    const oldest = note("x");
    memory.remember("article:x", oldest);
    const others = Array.from({ length: 4_096 }, (_, i) => note(`y${i}`));
    for (const update of others) memory.remember("article:y", update);
    expect(memory.carries("article:x", oldest)).toBe(false);
    expect([memory.carries("article:y", others[0]!), memory.carries("article:y", others.at(-1)!)]).toEqual([true, true]);
  });

  it("lets through refused content since deleted, which holds nothing the database could refuse", () => {
    const doc = new Y.Doc({ gc: true });
    const sv = Y.encodeStateVector(doc);
    const refused = changeOf(doc, () => doc.getText("notes").insert(0, "refused"));
    const memory = new RefusedStructs();
    memory.remember("article:x", refused);
    doc.getText("notes").delete(0, 7);
    doc.getText("notes").insert(0, "kept");
    expect(memory.carries("article:x", Y.encodeStateAsUpdate(doc, sv))).toBe(false);
  });
});
