import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotation, setVote, updateAnnotation } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resubmitCrossed, stampEdits } from "./edited.ts";

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

describe("resubmitCrossed", () => {
  const REMOTE = Symbol("remote");
  /** Two processes' copies of an author's private document, met once over the submission; the first resubmits what crosses its rejections. */
  function copies() {
    const [here, there] = [new Y.Doc(), new Y.Doc()];
    here.on("update", (_u: Uint8Array, origin: unknown, _d: Y.Doc, tr: Y.Transaction) => {
      if (origin === REMOTE) resubmitCrossed(here, tr, "private", (memberId) => (memberId === "alice" ? "alice-account" : null));
    });
    const id = createAnnotation(there, { kind: "comment", authorId: "alice", body: "First words", status: "pending" });
    const meet = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), to === here ? REMOTE : null);
    meet(there, here);
    const reject = () => updateAnnotation(here, id, { status: "rejected", rejectionReason: "needs a source" });
    const rewrite = () => updateAnnotation(there, id, { body: "Rewritten, with a source" });
    const status = (doc: Y.Doc) => [annotationsOf(doc).get(id)!.get("status"), annotationsOf(doc).get(id)!.get("rejectionReason") ?? null];
    return { here, there, meet, reject, rewrite, status };
  }

  it("sends back to review a rewrite made on a copy its rejection had not reached", () => {
    const { here, there, meet, reject, rewrite, status } = copies();
    reject();
    rewrite();
    meet(there, here);
    expect(status(here)).toEqual(["pending", null]);
    meet(here, there);
    expect(status(there)).toEqual(["pending", null]);
  });

  it("keeps a rejection that saw the rewrite, and one it did not make", () => {
    const seen = copies();
    seen.rewrite();
    seen.meet(seen.there, seen.here);
    seen.reject();
    seen.meet(seen.here, seen.there);
    expect([seen.status(seen.here), seen.status(seen.there)]).toEqual([
      ["rejected", "needs a source"],
      ["rejected", "needs a source"],
    ]);
    // Rejected on the other copy: that copy's process decides, not this one.
    const elsewhere = copies();
    updateAnnotation(elsewhere.there, annotationsOf(elsewhere.there).keys().next().value!, { status: "rejected", rejectionReason: "no" });
    elsewhere.meet(elsewhere.there, elsewhere.here);
    elsewhere.rewrite();
    elsewhere.meet(elsewhere.there, elsewhere.here);
    expect(elsewhere.status(elsewhere.here)).toEqual(["rejected", "no"]);
  });
});
