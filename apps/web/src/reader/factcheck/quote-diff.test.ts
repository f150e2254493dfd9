import { describe, expect, it } from "vitest";
import { quoteDiff } from "./quote-diff.ts";

describe("a stale verdict's quote diff", () => {
  it("shows what the revision removed and added, and gives back both quotes", () => {
    const parts = quoteDiff("both today under tough sanctions", "both today under tougher sanctions");
    expect(parts.filter((p) => p.kind === "added").map((p) => p.text).join("")).toBe("er");
    expect(parts.filter((p) => p.kind !== "added").map((p) => p.text).join("")).toBe("both today under tough sanctions");
    expect(parts.filter((p) => p.kind !== "removed").map((p) => p.text).join("")).toBe("both today under tougher sanctions");
  });

  it("is all removed and added when nothing is shared", () => {
    expect(quoteDiff("abc", "xyz")).toEqual([
      { kind: "removed", text: "abc" },
      { kind: "added", text: "xyz" },
    ]);
  });
});
