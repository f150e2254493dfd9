import { describe, expect, it } from "vitest";
import { ordinalAlpha } from "./krippendorff.ts";

describe("ordinal Krippendorff's alpha", () => {
  it("gives 0.815 on Krippendorff's own worked example (4 coders, 12 units, values 1-5, missing data)", () => {
    // Reliability data from "Computing Krippendorff's Alpha-Reliability" (2011), by unit; ranks are value - 1.
    const coders: (number | null)[][] = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
      [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];
    const units = coders[0]!.map((_, u) => coders.map((c) => c[u]).filter((v): v is number => v !== null).map((v) => v - 1));
    const result = ordinalAlpha(units, 5);
    expect(result.alpha).toBeCloseTo(0.815, 3);
    expect(result.pairable).toBe(11);
    expect(result.values).toBe(40);
  });

  it("matches a small case worked by hand", () => {
    // Two units: [0, 0] and [0, 1]. Coincidences: o00 = 2 + 0, o01 = o10 = 1; n0 = 3, n1 = 1, n = 4.
    // Ordinal delta²(0,1) = (3 + 1 - (3 + 1) / 2)² = 4. D_o = (1 + 1) * 4 / 4 = 2; D_e = 2 * 3 * 1 * 4 / (4 * 3) = 2.
    // alpha = 1 - 2 / 2 = 0. Per unit: [0, 0] has no disagreement (1); [0, 1] has D_o = 2 * 4 / 2 = 4 (1 - 4/2 = -1).
    const result = ordinalAlpha([[0, 0], [0, 1]], 6);
    expect(result.alpha).toBeCloseTo(0, 10);
    expect(result.perUnit[0]).toBeCloseTo(1, 10);
    expect(result.perUnit[1]).toBeCloseTo(-1, 10);
  });

  it("is 1 for perfect agreement with variation between units, and undefined without any variation", () => {
    expect(ordinalAlpha([[0, 0, 0], [5, 5], [2, 2]], 6).alpha).toBeCloseTo(1, 10);
    expect(ordinalAlpha([[3, 3], [3, 3, 3]], 6).alpha).toBeNull();
    expect(ordinalAlpha([[3], [1]], 6)).toMatchObject({ alpha: null, pairable: 0, values: 0 });
  });

  it("weighs near misses less than far ones, as an ordinal metric must", () => {
    const base = [[0, 0], [5, 5], [2, 2], [3, 3]];
    const near = ordinalAlpha([...base, [2, 3]], 6).alpha!;
    const far = ordinalAlpha([...base, [0, 5]], 6).alpha!;
    expect(near).toBeGreaterThan(far);
  });
});
