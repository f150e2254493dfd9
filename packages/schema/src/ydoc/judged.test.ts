import { describe, expect, it } from "vitest";
import { confirmedJudgement, judgementBeforeMove, stalenessOf } from "./judged.ts";
import type { AnnotationValue } from "./layout.ts";

const target = (revision: number, exact: string) => ({ revision, exact, prefix: "", suffix: "", start: 0, end: exact.length });
const check = (over: Partial<AnnotationValue> = {}) =>
  ({
    kind: "factcheck",
    factcheck: { claim: "c", verdict: "false", sources: [] },
    target: target(1, "under tough sanctions"),
    anchor: null,
    judged: null,
    ...over,
  }) as Pick<AnnotationValue, "kind" | "factcheck" | "target" | "anchor" | "judged">;

describe("verdicts pinned to the text", () => {
  it("records what a verdict judged before its passage moves, once per verdict", () => {
    const before = check();
    const judged = judgementBeforeMove(before);
    expect(judged).toEqual({ revision: 1, exact: "under tough sanctions", verdict: "false" });
    expect(judgementBeforeMove({ ...before, judged })).toBeNull();
    // A verdict revised since is recorded afresh; a comment, or a fact-check without a passage, never.
    expect(judgementBeforeMove({ ...before, judged: { ...judged!, verdict: "true" } })).toMatchObject({ verdict: "false" });
    expect(judgementBeforeMove(check({ kind: "comment" }))).toBeNull();
    expect(judgementBeforeMove(check({ target: null }))).toBeNull();
  });

  it("is current when a revision changed only the passage's Unicode form (NFD to NFC)", () => {
    const nfd = "the caf\u0065\u0301 owner\u0301s".normalize("NFD");
    const nfc = nfd.normalize("NFC");
    expect(nfc).not.toBe(nfd);
    const judged = { revision: 1, exact: nfd, verdict: "false" as const };
    expect(stalenessOf(check({ judged, target: target(2, nfc), anchor: { state: "anchored", score: 1 } }), 2)).toEqual({ state: "current" });
  });

  it("is stale when the passage reads differently or went missing, and current when it only moved or the verdict was revised", () => {
    const judged = { revision: 1, exact: "under tough sanctions", verdict: "false" as const };
    expect(stalenessOf(check({ judged, target: { ...target(2, "under tough sanctions"), start: 40, end: 61 } }), 2)).toEqual({ state: "current" });
    expect(stalenessOf(check({ judged, target: target(2, "under tougher sanctions"), anchor: { state: "fuzzy", score: 0.9 } }), 2)).toEqual({
      state: "stale",
      judgedRevision: 1,
      revision: 2,
      oldQuote: "under tough sanctions",
      newQuote: "under tougher sanctions",
    });
    expect(stalenessOf(check({ judged, anchor: { state: "orphaned", revision: 3 } }), 4)).toMatchObject({ state: "stale", revision: 3, newQuote: null });
    expect(stalenessOf(check({ judged, anchor: { state: "orphaned" } }), 4)).toMatchObject({ state: "stale", revision: 4 });
    expect(stalenessOf(check({ judged: { ...judged, verdict: "mixed" }, target: target(2, "other words") }), 2)).toEqual({ state: "current" });
    expect(stalenessOf(check({ target: target(2, "other words") }), 2)).toEqual({ state: "current" });
  });

  it("confirms against the passage as it reads now, and not an orphan, which has none", () => {
    const moved = check({ target: target(2, "under tougher sanctions"), anchor: { state: "fuzzy", score: 0.9 } });
    const judged = confirmedJudgement(moved);
    expect(judged).toEqual({ revision: 2, exact: "under tougher sanctions", verdict: "false" });
    expect(stalenessOf({ ...moved, judged }, 2)).toEqual({ state: "current" });
    expect(confirmedJudgement(check({ anchor: { state: "orphaned" } }))).toBeNull();
  });
});
