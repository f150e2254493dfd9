import { describe, expect, it } from "vitest";
import { release } from "./tally.ts";

describe("release", () => {
  it("counts down and forgets a key at zero, so that counts of keys no longer in use take no room", () => {
    const counts = new Map([["a", 2]]);
    release(counts, "a");
    expect(counts.get("a")).toBe(1);
    release(counts, "a");
    expect(counts.has("a")).toBe(false);
    release(counts, "b");
    expect(counts.size).toBe(0);
  });
});
