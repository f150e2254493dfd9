import { describe, expect, it } from "vitest";
import { sameTarget } from "./selectors.ts";

describe("sameTarget", () => {
  const target = { revision: 2, exact: "rose", prefix: "Trade ", suffix: " sharply", start: 6, end: 10 };

  it("compares field by field, whatever the order of the keys", () => {
    const reordered = { end: 10, start: 6, suffix: " sharply", prefix: "Trade ", exact: "rose", revision: 2 };
    expect(sameTarget(target, reordered)).toBe(true);
    expect(sameTarget(target, { ...target, start: 7 })).toBe(false);
    expect(sameTarget(target, { ...target, revision: 3 })).toBe(false);
  });

  it("takes no target as equal only to no target", () => {
    expect(sameTarget(null, undefined)).toBe(true);
    expect(sameTarget(target, null)).toBe(false);
  });
});
