import { describe, expect, it } from "vitest";
import { participation } from "./participation.ts";
import { coveredLength } from "./ranges.ts";
import { setVote } from "../ydoc/annotations.ts";
import { MINUTE, T0, factcheck, newDoc, put, target } from "./testing.ts";

const ANN = "00000000-0000-4000-8000-00000000000a";
const BEN = "00000000-0000-4000-8000-00000000000b";
const CAT = "00000000-0000-4000-8000-00000000000c";
const GONE = "00000000-0000-4000-8000-00000000000d";
const DAY = 24 * 60 * MINUTE;

describe("coveredLength", () => {
  it("counts overlapping, nested and touching ranges once, and nothing outside the text", () => {
    expect(coveredLength([], 100)).toBe(0);
    expect(coveredLength([{ start: 0, end: 10 }, { start: 5, end: 15 }], 100)).toBe(15);
    expect(coveredLength([{ start: 0, end: 30 }, { start: 5, end: 10 }, { start: 30, end: 40 }], 100)).toBe(40);
    expect(coveredLength([{ start: 90, end: 120 }, { start: -5, end: 2 }, { start: 50, end: 50 }], 100)).toBe(12);
  });
});

describe("participation", () => {
  it("gives each member their annotations, replies, votes received, coverage and activity", () => {
    const doc = newDoc();
    put(doc, { id: "a1", authorId: ANN, kind: "factcheck", factcheck: factcheck("false"), target: target(0, 40) });
    put(doc, { id: "a2", authorId: ANN, kind: "comment", target: target(20, 60), createdAt: T0 + 90 * MINUTE });
    put(doc, { id: "a3", authorId: ANN, kind: "highlight", target: target(50, 55), createdAt: T0 + DAY });
    put(doc, { id: "a4", authorId: ANN, kind: "highlight", target: target(150, 190), anchor: { state: "orphaned" }, createdAt: T0 + DAY });
    put(doc, { id: "b1", authorId: BEN, kind: "comment", parentId: "a1", target: target(0, 40), createdAt: T0 + 5 * MINUTE });
    put(doc, { id: "b2", authorId: BEN, kind: "highlight", target: target(180, 260), createdAt: T0 + 6 * MINUTE });
    put(doc, { id: "h", authorId: BEN, kind: "comment", target: target(0, 200), status: "hidden" });
    put(doc, { id: "g1", authorId: GONE, kind: "comment", target: target(100, 110) });
    setVote(doc, "a1", BEN, "agree");
    setVote(doc, "a1", CAT, "disagree");
    setVote(doc, "a1", ANN, "agree"); // her own: not received
    setVote(doc, "b1", ANN, "agree");
    setVote(doc, "h", ANN, "agree"); // on a hidden annotation: not counted

    const rows = participation(doc, 200, [ANN, BEN, CAT]);
    expect(rows.map((r) => [r.userId, r.member])).toEqual([[ANN, true], [BEN, true], [CAT, true], [GONE, false]]);
    const [ann, ben, cat, gone] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];

    expect(ann.annotations).toEqual({ highlight: 2, comment: 1, factcheck: 1, total: 4 });
    expect(ann.replies).toBe(0);
    expect(ann.votesReceived).toEqual({ agree: 1, disagree: 1 });
    // 0–40 ∪ 20–60 ∪ 50–55 is 0–60; the orphan at 150–190 does not count.
    expect(ann.covered).toBe(60);
    expect(ann.coverage).toBeCloseTo(0.3);
    expect(ann.firstActiveAt).toBe(T0);
    expect(ann.lastActiveAt).toBe(T0 + DAY);
    expect(ann.activeDays).toEqual(["2025-03-03", "2025-03-04"]);
    expect(ann.activeHours).toBe(3);

    expect(ben.annotations.total).toBe(1);
    expect(ben.replies).toBe(1);
    expect(ben.votesReceived).toEqual({ agree: 1, disagree: 0 });
    // The reply's copy of its parent's target is not Ben's coverage; his highlight runs past the end.
    expect(ben.covered).toBe(20);

    expect(cat).toMatchObject({ annotations: { total: 0 }, replies: 0, covered: 0, coverage: 0, firstActiveAt: null, activeDays: [], activeHours: 0 });
    expect(gone).toMatchObject({ member: false, covered: 10, annotations: { comment: 1, total: 1 } });
  });

  it("reads a coverage of zero for an empty text rather than dividing by it", () => {
    const doc = newDoc();
    put(doc, { id: "a", authorId: ANN, kind: "highlight", target: target(0, 5) });
    expect(participation(doc, 0, [ANN])[0]).toMatchObject({ covered: 0, coverage: 0 });
  });
});
