import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotation, setVote, updateAnnotation } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stampEdits } from "./edited.ts";

const factcheck = { claim: "Trade fell", verdict: "false" as const, sources: [] };
const MEMBER = { userId: "member" };

/** A document that stamps as the live document does: after each change a member made. */
function stamping() {
  const doc = new Y.Doc();
  doc.on("update", (_u: Uint8Array, origin: unknown, _d: Y.Doc, tr: Y.Transaction) => {
    if (origin === MEMBER) stampEdits(doc, tr, "member", true);
  });
  const id = createAnnotation(doc, { kind: "factcheck", authorId: "alice", body: "First words", factcheck }, MEMBER);
  const editedAt = () => readAnnotation(annotationsOf(doc).get(id)!).editedAt;
  return { doc, id, editedAt };
}

afterEach(() => vi.useRealTimers());

describe("stampEdits", () => {
  it("stamps a body typed into or a verdict changed, never a new annotation or a change of state", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { doc, id, editedAt } = stamping();
    expect(editedAt()).toBeNull();
    updateAnnotation(doc, id, { status: "draft", resolved: true, tags: ["x"] }, MEMBER);
    setVote(doc, id, "bob", "agree", MEMBER);
    updateAnnotation(doc, id, { body: "First words", factcheck: { ...factcheck } }, MEMBER);
    expect(editedAt()).toBeNull();

    // Edited the moment it arrived (written offline, then edited before reconnecting): nobody read it yet.
    doc.transact(() => (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "Really: "), MEMBER);
    expect(editedAt()).toBeNull();
    vi.setSystemTime(1_003_000);
    doc.transact(() => (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "Truly "), MEMBER);
    expect(editedAt()).toBe(1_003_000);
    // Keystrokes close together make one stamp; a later edit moves it on.
    vi.setSystemTime(1_003_500);
    doc.transact(() => (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "!"), MEMBER);
    expect(editedAt()).toBe(1_003_000);
    vi.setSystemTime(1_010_000);
    updateAnnotation(doc, id, { factcheck: { ...factcheck, verdict: "true" } }, MEMBER);
    expect(editedAt()).toBe(1_010_000);
  });

  it("stamps a body replaced whole, and nothing made and edited in one go", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { doc, id, editedAt } = stamping();
    vi.setSystemTime(1_005_000);
    doc.transact(() => annotationsOf(doc).get(id)!.set("body", new Y.Text("Replaced")), MEMBER);
    expect(editedAt()).not.toBeNull();
    let fresh = "";
    doc.transact(() => {
      fresh = createAnnotation(doc, { kind: "comment", authorId: "alice", body: "new" });
      updateAnnotation(doc, fresh, { body: "newer" });
    }, MEMBER);
    expect(readAnnotation(annotationsOf(doc).get(fresh)!).editedAt).toBeNull();
  });

  it("stamps a large edit a few hundred at a time, in turns, until every edited annotation has its mark", async () => {
    const doc = new Y.Doc();
    doc.on("update", (_u: Uint8Array, origin: unknown, _d: Y.Doc, tr: Y.Transaction) => {
      if (origin === MEMBER) stampEdits(doc, tr, "member", false);
    });
    const ids = Array.from({ length: 600 }, (_, i) => createAnnotation(doc, { kind: "comment", authorId: "alice", body: `comment ${i}` }));
    doc.transact(() => {
      for (const id of ids) (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "edited ");
    }, MEMBER);
    const stamped = () => ids.filter((id) => readAnnotation(annotationsOf(doc).get(id)!).editedAt !== null).length;
    const first = stamped();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(ids.length);
    await vi.waitFor(() => expect(stamped()).toBe(ids.length), { timeout: 5_000, interval: 1 });
  });
});
