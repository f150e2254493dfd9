import { newAnnotationValue } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { buildTarget, CodePointIndex } from "../../lib/anchoring.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { NO_FILTERS, buildThreads, cachedLocator, locate, matches, rootPaint, threadOf, threadsAt } from "./threads.ts";

const text = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota.";
const index = new CodePointIndex(text);
const me = { id: "00000000-0000-4000-8000-000000000001", role: "annotator" as const };
const span = (quote: string) => ({ start: text.indexOf(quote), end: text.indexOf(quote) + quote.length });

let n = 0;
function item(patch: Partial<Item> & { quote?: string }): Item {
  const { quote, ...rest } = patch;
  n++;
  return {
    ...newAnnotationValue({ id: `a${n}`, kind: "comment", authorId: me.id }, n),
    target: quote ? buildTarget(index, span(quote), 1) : null,
    source: "group",
    ...rest,
  };
}

describe("locate", () => {
  it("takes a current target at its word", () => {
    expect(locate(item({ quote: "beta" }), index, 1)).toEqual(span("beta"));
  });

  it("re-anchors a target from an older revision where its quote now is", () => {
    const old = item({ quote: "Delta epsilon" });
    const edited = "Preface. " + text;
    const moved = new CodePointIndex(edited);
    expect(locate(old, moved, 2)).toEqual({ start: edited.indexOf("Delta epsilon"), end: edited.indexOf("Delta epsilon") + 13 });
  });

  it("orphans what the server orphaned, or what no longer occurs", () => {
    expect(locate(item({ quote: "beta", anchor: { state: "orphaned" } }), index, 1)).toBe("orphaned");
    const gone = item({ quote: "theta iota" });
    expect(locate(gone, new CodePointIndex("Completely different words here, nothing alike at all."), 2)).toBe("orphaned");
    expect(locate(item({}), index, 1)).toBeNull();
  });

  it("remembers each item's place until the item changes", () => {
    const place = cachedLocator(index, 1);
    const a = item({ quote: "gamma" });
    expect(place(a)).toBe(place(a));
    expect(place({ ...a, target: buildTarget(index, span("zeta"), 1) })).toEqual(span("zeta"));
  });
});

describe("threads", () => {
  const late = item({ quote: "Eta theta" });
  const early = item({ quote: "Alpha", kind: "factcheck", factcheck: { claim: "Alpha", verdict: "misleading", sources: [] } });
  const reply2 = item({ parentId: early.id, body: "second" });
  const reply1 = item({ parentId: early.id, body: "first", createdAt: 0 });
  const orphanReply = item({ parentId: "gone", body: "orphaned reply", quote: "Delta" });
  const hidden = item({ quote: "beta", status: "hidden", authorId: "someone-else" });
  const threads = buildThreads([late, reply2, early, reply1, orphanReply, hidden], (i) => locate(i, index, 1), me);

  it("orders roots by position and replies by time, keeping replies whose parent is gone", () => {
    expect(threads.map((t) => t.root.id)).toEqual([early.id, "gone", late.id]);
    expect(threads[0]!.replies.map((r) => r.body)).toEqual(["first", "second"]);
  });

  it("finds a thread by its first comment or by any of its replies (a notification names the reply)", () => {
    expect(threadOf(threads, early.id)?.root.id).toBe(early.id);
    expect(threadOf(threads, reply2.id)?.root.id).toBe(early.id);
    expect(threadOf(threads, orphanReply.id)?.root.id).toBe("gone");
    expect(threadOf(threads, "gone")?.root.id).toBe("gone");
    expect(threadOf(threads, hidden.id)).toBeUndefined();
    expect(threadOf(threads, null)).toBeUndefined();
  });

  it("keeps the replies of a deleted comment as replies, under a placeholder where it stood", () => {
    const parent = item({ quote: "Delta epsilon", body: "the deleted one" });
    const older = item({ parentId: parent.id, body: "older", target: parent.target, authorId: "carol", createdAt: 1 });
    const newer = item({ parentId: parent.id, body: "newer", target: parent.target, authorId: "dave", createdAt: 2 });
    const before = buildThreads([late, parent, newer, older], (i) => locate(i, index, 1), me);
    const after = buildThreads([late, newer, older], (i) => locate(i, index, 1), me);
    expect(after.map((t) => t.root.id)).toEqual(before.map((t) => t.root.id));
    const placeholder = after.find((t) => t.root.id === parent.id)!;
    expect(placeholder.deleted).toBe(true);
    expect(placeholder.root.body).toBe("");
    expect(placeholder.root.authorId).toBe("");
    expect(placeholder.replies.map((r) => r.body)).toEqual(["older", "newer"]);
    expect(placeholder.span).toEqual(span("Delta epsilon"));
    expect(after.filter((t) => t.deleted)).toHaveLength(1);
    expect(before.some((t) => t.deleted)).toBe(false);
    // The same stand-in while its replies do not change, so that its card and paint are kept.
    expect(buildThreads([late, newer, older], (i) => locate(i, index, 1), me).find((t) => t.deleted)!.root).toBe(placeholder.root);
  });

  it("paints a reply whose parent is gone as its placeholder's highlight, and no other reply", () => {
    const parent = item({ quote: "Delta epsilon" });
    const reply = item({ parentId: parent.id, target: parent.target, authorId: "carol" });
    const place = (i: Item) => locate(i, index, 1);
    expect(rootPaint(reply, (id) => (id === parent.id ? parent : undefined), place, me, NO_FILTERS)).toBeNull();
    expect(rootPaint(reply, () => undefined, place, me, NO_FILTERS)).toEqual({ id: parent.id, span: span("Delta epsilon"), layer: "mg-comment" });
  });

  it("leaves hidden annotations to moderators", () => {
    const forModerator = buildThreads([hidden], (i) => locate(i, index, 1), { ...me, role: "moderator" });
    expect(forModerator).toHaveLength(1);
    expect(threads.some((t) => t.root.id === hidden.id)).toBe(false);
  });

  it("filters by kind, verdict, author, status and resolved", () => {
    expect(matches(early, { ...NO_FILTERS, kinds: ["factcheck"] }, "me")).toBe(true);
    expect(matches(late, { ...NO_FILTERS, kinds: ["factcheck"] }, "me")).toBe(false);
    expect(matches(early, { ...NO_FILTERS, verdicts: ["false"] }, "me")).toBe(false);
    expect(matches(early, { ...NO_FILTERS, verdicts: ["misleading"] }, "me")).toBe(true);
    expect(matches(early, { ...NO_FILTERS, author: "someone-else" }, "me")).toBe(false);
    expect(matches(early, { ...NO_FILTERS, status: "pending" }, "me")).toBe(false);
    expect(matches({ ...early, resolved: true }, { ...NO_FILTERS, resolved: "open" }, "me")).toBe(false);
    expect(matches({ ...early, resolved: true }, { ...NO_FILTERS, resolved: "resolved" }, "me")).toBe(true);
  });

  it("filters what is assigned to the reader", () => {
    const assigned = { ...early, assignees: ["someone-else", "me"] };
    expect(matches(assigned, { ...NO_FILTERS, assignedToMe: true }, "me")).toBe(true);
    expect(matches(assigned, { ...NO_FILTERS, assignedToMe: true }, "other")).toBe(false);
    expect(matches(early, { ...NO_FILTERS, assignedToMe: true }, "me")).toBe(false);
  });

  it("finds the most specific thread under a click", () => {
    const wide = item({ quote: "Alpha beta gamma" });
    const all = buildThreads([wide, early], (i) => locate(i, index, 1), me);
    expect(threadsAt(all, text.indexOf("Alpha") + 1).map((t) => t.root.id)).toEqual([early.id, wide.id]);
    expect(threadsAt(all, text.indexOf("gamma")).map((t) => t.root.id)).toEqual([wide.id]);
    expect(threadsAt(all, text.indexOf("iota"))).toEqual([]);
  });
});
