import type { AnnotationValue, Judged } from "./layout.ts";

type Pinned = Pick<AnnotationValue, "kind" | "factcheck" | "target" | "anchor" | "judged">;

/**
 * Whether a fact-check's verdict still speaks of the text under it (docs/architecture.md, "Verdicts
 * pinned to the text"): stale once a later revision changed the passage it judged, that is once the
 * passage was orphaned or re-anchored onto different words. A revised verdict (not the one recorded)
 * judges the passage as it stands, and so does a confirmed one (recorded again on the new text).
 * `revision` is where it went stale: the target's for a moved passage, the one an orphan was lost on
 * (`currentRevision` for an orphan that does not say).
 */
export type StaleDetail = { judgedRevision: number; revision: number; oldQuote: string; newQuote: string | null };
export type Staleness = { state: "current" } | ({ state: "stale" } & StaleDetail);

const CURRENT: Staleness = { state: "current" };

export function stalenessOf(value: Pinned, currentRevision: number): Staleness {
  const { judged, factcheck, target } = value;
  if (value.kind !== "factcheck" || !judged || !factcheck || !target || factcheck.verdict !== judged.verdict) return CURRENT;
  const orphaned = value.anchor?.state === "orphaned";
  // Compared in one normal form: a revision that only changed how the passage is encoded (NFD to NFC) left
  // its words as they were, and anchoring placed it exactly (anchoring/resolve.ts, `canonically`).
  if (!orphaned && target.exact.normalize("NFC") === judged.exact.normalize("NFC")) return CURRENT;
  return {
    state: "stale",
    judgedRevision: judged.revision,
    revision: orphaned ? (value.anchor?.revision ?? Math.max(currentRevision, target.revision)) : target.revision,
    oldQuote: judged.exact,
    newQuote: orphaned ? null : target.exact,
  };
}

/**
 * What to record before the server moves a fact-check's target (re-anchoring, re-attaching): the passage
 * its verdict was given on, unless that is already recorded for this verdict. Null when nothing changes.
 */
export function judgementBeforeMove(value: Pinned): Judged | null {
  const { judged, factcheck, target } = value;
  if (value.kind !== "factcheck" || !factcheck || !target) return null;
  if (judged && judged.verdict === factcheck.verdict) return null;
  return { revision: target.revision, exact: target.exact, verdict: factcheck.verdict };
}

/** The record of a verdict confirmed against the text now under it; null for an orphan, which has none. */
export function confirmedJudgement(value: Pinned): Judged | null {
  const { factcheck, target } = value;
  if (value.kind !== "factcheck" || !factcheck || !target || value.anchor?.state === "orphaned") return null;
  return { revision: target.revision, exact: target.exact, verdict: factcheck.verdict };
}
