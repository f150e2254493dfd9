import { describe, expect, it } from "vitest";
import { groupByPassage, samePassage } from "./passage.ts";

const at = (start: number, end: number, revision = 1) => ({ revision, start, end });

describe("samePassage", () => {
  it("matches identical ranges and ranges that differ by a word at either end", () => {
    expect(samePassage(at(100, 160), at(100, 160))).toBe(true);
    expect(samePassage(at(100, 160), at(94, 166))).toBe(true);
    expect(samePassage(at(100, 160), at(105, 150))).toBe(true);
  });

  it("needs the overlap to cover at least half of the shorter range", () => {
    // Shorter range 20 long: an overlap of exactly 10 counts, 9 does not.
    expect(samePassage(at(0, 40), at(30, 50))).toBe(true);
    expect(samePassage(at(0, 40), at(31, 51))).toBe(false);
  });

  it("keeps neighbouring and disjoint passages apart", () => {
    expect(samePassage(at(0, 50), at(50, 100))).toBe(false);
    expect(samePassage(at(0, 50), at(200, 260))).toBe(false);
  });

  it("never matches across revisions, empty ranges or missing targets", () => {
    expect(samePassage(at(0, 50, 1), at(0, 50, 2))).toBe(false);
    expect(samePassage(at(10, 10), at(0, 50))).toBe(false);
    expect(samePassage(null, at(0, 50))).toBe(false);
    expect(samePassage(at(0, 50), undefined)).toBe(false);
  });

  it("is symmetric", () => {
    const pairs = [
      [at(0, 40), at(30, 50)],
      [at(0, 40), at(31, 51)],
      [at(5, 500), at(100, 120)],
    ] as const;
    for (const [a, b] of pairs) expect(samePassage(a, b)).toBe(samePassage(b, a));
  });
});

describe("groupByPassage", () => {
  it("puts each item with the first group whose first item is the same passage", () => {
    const items = [
      { id: "a", t: at(0, 40) },
      { id: "b", t: at(200, 240) },
      { id: "c", t: at(2, 42) },
      { id: "d", t: null },
      { id: "e", t: at(198, 236) },
    ];
    const groups = groupByPassage(items, (i) => i.t).map((g) => g.map((i) => i.id));
    expect(groups).toEqual([["a", "c"], ["b", "e"], ["d"]]);
  });

  it("compares with a group's first item, so a chain of small shifts does not merge distant passages", () => {
    const items = [at(0, 20), at(9, 29), at(18, 38)];
    expect(groupByPassage(items, (t) => t)).toEqual([[at(0, 20), at(9, 29)], [at(18, 38)]]);
  });
});
