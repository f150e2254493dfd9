import { type Factcheck, VERDICTS, type Verdict } from "@marginalia/schema";
import { safeHref } from "../../lib/safe-url.ts";

/** A fact-check as its form holds it: strings and a 0–100 confidence, not yet valid. */
export type FactcheckDraft = {
  claim: string;
  verdict: Verdict | "";
  /** Percent, or null for "not stated". */
  confidence: number | null;
  sources: Array<{ url: string; title: string }>;
};

export const emptyDraft = (claim: string): FactcheckDraft => ({ claim, verdict: "", confidence: null, sources: [{ url: "", title: "" }] });

/** Whether anything was written or chosen in a form opened as `emptyDraft(claim)`: closing it would lose that. */
export function draftTouched(draft: FactcheckDraft, claim: string): boolean {
  return draft.claim.trim() !== claim.trim() || draft.verdict !== "" || draft.confidence !== null || draft.sources.some((s) => s.url.trim() || s.title.trim());
}

export function draftFrom(factcheck: Factcheck): FactcheckDraft {
  return {
    claim: factcheck.claim,
    verdict: factcheck.verdict,
    confidence: factcheck.confidence === undefined ? null : Math.round(factcheck.confidence * 100),
    sources: factcheck.sources.length ? factcheck.sources.map((s) => ({ url: s.url, title: s.title })) : [{ url: "", title: "" }],
  };
}

/**
 * The fact-check to store, or what is wrong with the form. The server checks
 * the same (a refused update would cost the user their work), and sources
 * must be http(s) links so that nobody can plant a `javascript:` URL.
 */
/** A failed check names the field to put right, by its `name` in FactcheckFields. */
export function validateDraft(draft: FactcheckDraft): { ok: true; value: Factcheck } | { ok: false; error: string; field?: string } {
  const claim = draft.claim.trim();
  if (!claim) return { ok: false, error: "State the claim being checked.", field: "claim" };
  if (claim.length > 5_000) return { ok: false, error: "The claim is longer than 5,000 characters.", field: "claim" };
  if (!draft.verdict || !VERDICTS.includes(draft.verdict)) return { ok: false, error: "Choose a verdict.", field: "verdict" };
  const sources: Factcheck["sources"] = [];
  for (const [i, source] of draft.sources.entries()) {
    if (!source.url.trim() && !source.title.trim()) continue;
    const href = safeHref(source.url);
    if (!href || href.length > 2048) return { ok: false, error: `Source ${i + 1}: give a web address starting with http:// or https://.`, field: `source-url-${i}` };
    sources.push({ url: href, title: source.title.trim().slice(0, 500) });
  }
  if (sources.length > 50) return { ok: false, error: "At most 50 sources." };
  const value: Factcheck = { claim, verdict: draft.verdict, sources };
  if (draft.confidence !== null) value.confidence = Math.min(100, Math.max(0, draft.confidence)) / 100;
  return { ok: true, value };
}
