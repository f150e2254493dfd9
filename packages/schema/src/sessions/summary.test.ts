import { describe, expect, it } from "vitest";
import { CodePointIndex } from "../anchoring/code-points.ts";
import { presenceFromAwareness } from "./presence.ts";
import { summarize } from "./summary.ts";
import { MINUTE, T0, factcheck, newDoc, put, target } from "./testing.ts";

const ANN = "00000000-0000-4000-8000-00000000000a";
const BEN = "00000000-0000-4000-8000-00000000000b";
const CAT = "00000000-0000-4000-8000-00000000000c";

/** Two claims (one in review), a comment and a highlight, replies, and what must not count. */
function session() {
  const doc = newDoc();
  put(doc, { id: "f1", authorId: ANN, kind: "factcheck", factcheck: factcheck("false"), target: target(0, 10), assignees: [CAT] });
  put(doc, { id: "f2", authorId: BEN, kind: "factcheck", factcheck: factcheck("false"), status: "pending", createdAt: T0 + 3 * MINUTE, target: target(40, 50) });
  put(doc, { id: "c1", authorId: BEN, kind: "comment", resolved: true, createdAt: T0 + 7 * MINUTE, target: target(5, 20) });
  put(doc, { id: "h1", authorId: ANN, kind: "highlight", createdAt: T0 + 20 * MINUTE, target: target(60, 70), anchor: { state: "orphaned" } });
  put(doc, { id: "r1", authorId: BEN, kind: "comment", parentId: "f1", createdAt: T0 + 21 * MINUTE });
  put(doc, { id: "r2", authorId: CAT, kind: "factcheck", factcheck: factcheck("mixed"), parentId: "f1", createdAt: T0 + 22 * MINUTE });
  // None of these count: hidden, rejected, and a reply under the hidden one.
  put(doc, { id: "x1", authorId: ANN, kind: "factcheck", factcheck: factcheck("true"), status: "hidden" });
  put(doc, { id: "x2", authorId: BEN, kind: "comment", status: "rejected" });
  put(doc, { id: "x3", authorId: CAT, kind: "comment", parentId: "x1" });
  return doc;
}

describe("summarize", () => {
  it("counts claims, verdicts, threads and replies, leaving out hidden and rejected work and its replies", () => {
    const s = summarize(session(), []);
    expect(s.claims).toEqual({ total: 2, published: 1, inReview: 1 });
    expect(s.verdicts).toMatchObject({ false: 2, mixed: 0, true: 0 });
    expect(Object.values(s.verdicts).reduce((a, b) => a + b)).toBe(2);
    expect(s.threads).toEqual({ open: 3, resolved: 1 });
    expect(s.annotations).toEqual({ highlight: 1, comment: 1, factcheck: 2, replies: 2 });
  });

  it("lists who is present with their selections and the threads under them, and who is assigned what", () => {
    const doc = session();
    const text = "0123456789abcdefghijklmnopqrstuvwxyz😀ABCDEFGHIJKLMNOPQRSTUVWXYZ.............................";
    const states = new Map<number, unknown>([
      [7, { user: { id: BEN, name: "Ben" }, selection: { start: 8, end: 12 } }],
      [3, { user: { id: BEN, name: "Ben" }, selection: { start: 36, end: 38 } }],
      [5, { user: { id: ANN, name: "Ann" }, selection: { start: 60, end: 65 } }],
      [9, { selection: { start: 0, end: 1 } }],
      [11, { user: { id: ANN }, selection: { start: 4, end: 2 } }],
    ]);
    const presence = presenceFromAwareness(states);
    expect(presence.map((p) => p.clientId)).toEqual([3, 5, 7, 11]);
    const { people } = summarize(doc, presence, { index: new CodePointIndex(text) });
    expect(people.map((p) => [p.userId, p.present])).toEqual([[ANN, true], [BEN, true], [CAT, false]]);
    const ben = people.find((p) => p.userId === BEN)!;
    // Code points: the emoji at 36 is one position.
    expect(ben.selections).toEqual([{ start: 36, end: 38, quote: "😀A" }, { start: 8, end: 12, quote: "89ab" }]);
    expect(ben.reading).toEqual(["f1", "c1"]);
    // Ann's selection lies on her orphaned highlight, which points at nothing any more.
    expect(people.find((p) => p.userId === ANN)!.reading).toEqual([]);
    expect(people.find((p) => p.userId === CAT)!.assigned).toEqual([{ annotationId: "f1", resolved: false, dueAt: null }]);
  });

  it("buckets the timeline in aligned slots from the first event to the last, and lists the latest newest first", () => {
    const s = summarize(session(), [], { maxBuckets: 6, latest: 3 });
    expect(s.timeline.bucketMs).toBe(5 * MINUTE);
    expect(s.timeline.buckets.map((b) => [b.start - T0, b.annotations, b.replies, b.verdicts])).toEqual([
      [0, 2, 0, 2],
      [5 * MINUTE, 1, 0, 0],
      [10 * MINUTE, 0, 0, 0],
      [15 * MINUTE, 0, 0, 0],
      [20 * MINUTE, 1, 2, 1],
    ]);
    expect(s.timeline.latest.map((e) => [e.annotationId, e.type, e.verdict])).toEqual([
      ["r2", "reply", "mixed"],
      ["r1", "reply", null],
      ["h1", "annotation", null],
    ]);
    expect(summarize(session(), [], { maxBuckets: 30 }).timeline.bucketMs).toBe(MINUTE);
  });

  it("widens slots past a week for a long session and still keeps within the limit", () => {
    const doc = newDoc();
    put(doc, { id: "a", authorId: ANN, kind: "comment", createdAt: T0 });
    put(doc, { id: "b", authorId: ANN, kind: "comment", createdAt: T0 + 400 * 24 * 60 * MINUTE });
    const { timeline } = summarize(doc, [], { maxBuckets: 24 });
    expect(timeline.buckets.length).toBeLessThanOrEqual(24);
    expect(timeline.bucketMs % (24 * 60 * MINUTE)).toBe(0);
    expect(timeline.buckets.reduce((n, b) => n + b.annotations, 0)).toBe(2);
  });

  it("is empty for an empty document", () => {
    const s = summarize(newDoc(), []);
    expect(s.claims.total).toBe(0);
    expect(s.timeline.buckets).toEqual([]);
    expect(s.people).toEqual([]);
  });
});
