import { describe, expect, it } from "vitest";
import { VERDICTS } from "@marginalia/schema";
import { layerFor, priorityOf } from "./highlight-style.ts";

const base = { kind: "highlight" as const, status: "published" as const, resolved: false, source: "group" as const, factcheck: null };

describe("highlight layers", () => {
  it("colours by kind, and fact-checks by verdict", () => {
    expect(layerFor(base)).toBe("mg-highlight");
    expect(layerFor({ ...base, kind: "comment" })).toBe("mg-comment");
    for (const verdict of VERDICTS) expect(layerFor({ ...base, kind: "factcheck", factcheck: { verdict } })).toBe(`mg-fc-${verdict}`);
  });

  it("draws unpublished, resolved and private work apart", () => {
    expect(layerFor({ ...base, kind: "factcheck", status: "pending", factcheck: { verdict: "false" } })).toBe("mg-tentative");
    expect(layerFor({ ...base, status: "draft" })).toBe("mg-tentative");
    expect(layerFor({ ...base, resolved: true })).toBe("mg-resolved");
    expect(layerFor({ ...base, source: "private" })).toBe("mg-private");
  });

  it("paints fact-checks over other kinds, and focus and selections over everything", () => {
    expect(priorityOf("mg-fc-misleading")).toBeGreaterThan(priorityOf("mg-highlight"));
    expect(priorityOf("mg-comment")).toBeGreaterThan(priorityOf("mg-resolved"));
    expect(priorityOf("mg-focus")).toBeGreaterThan(priorityOf("mg-peer-12"));
    expect(priorityOf("mg-peer-12")).toBeGreaterThan(priorityOf("mg-fc-false"));
  });
});
