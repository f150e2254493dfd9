import { useEffect, useState } from "react";
import { annotationPath } from "@marginalia/schema";
import { type ClaimMatch, fetchSimilarClaims } from "../../api/annotations.ts";
import type { FactcheckDraft } from "./factcheck-draft.ts";
import { VERDICT_LABELS } from "../highlights/index.ts";
import { announce } from "../../app/announcer.tsx";

// Asked once typing pauses, and only for a claim long enough to say something.
const PAUSE_MS = 350;
const MIN_LENGTH = 12;

/** The address of an earlier check, as the reader opens it (`#annotation=<id>`). */
export const earlierCheckUrl = (m: Pick<ClaimMatch, "articleId" | "annotationId">) =>
  `${location.origin}${annotationPath(m.articleId, m.annotationId)}`;

/**
 * Claim memory in the fact-check form: the group's published checks of similar claims, in this or
 * another article, as the claim is typed. "Cite" links the new fact-check to an earlier one by adding
 * it as a source, so the link travels wherever the fact-check does (exports, W3C, ClaimReview).
 */
export function ClaimMemory({ groupId, draft, onChange }: { groupId: string; draft: FactcheckDraft; onChange(value: FactcheckDraft): void }) {
  const [matches, setMatches] = useState<ClaimMatch[]>([]);
  const claim = draft.claim.trim();
  useEffect(() => {
    if (claim.length < MIN_LENGTH) {
      setMatches([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      fetchSimilarClaims(groupId, claim.slice(0, 500))
        .then((res) => current && setMatches(res.matches.slice(0, 5)))
        // Memory is a help, not a step: if it cannot answer, the form works without it.
        .catch(() => current && setMatches([]));
    }, PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [groupId, claim]);

  // The list appears beside the field being typed in, where nobody listening would find it.
  const found = matches.map((m) => m.annotationId).join(" ");
  useEffect(() => {
    if (!found) return;
    const n = found.split(" ").length;
    announce(`Checked before: ${n} similar ${n === 1 ? "claim" : "claims"}, listed below the claim.`);
  }, [found]);

  if (!matches.length) return null;
  const cited = new Set(draft.sources.map((s) => s.url));
  const cite = (m: ClaimMatch) => {
    const source = { url: earlierCheckUrl(m), title: `Earlier check: ${m.claim}`.slice(0, 500) };
    const kept = draft.sources.filter((s) => s.url.trim() || s.title.trim());
    onChange({ ...draft, sources: [...kept, source] });
  };
  return (
    <section className="claim-memory" aria-label="Checked before">
      <h3>Checked before</h3>
      <ul>
        {matches.map((m) => (
          <li key={m.annotationId}>
            <span className={`badge verdict verdict-${m.verdict}`}>{VERDICT_LABELS[m.verdict]}</span> <q>{m.claim}</q>{" "}
            {cited.has(earlierCheckUrl(m)) ? (
              <span className="muted">cited</span>
            ) : (
              <button type="button" className="link-button" onClick={() => cite(m)} aria-label={`Cite the earlier check: ${m.claim}`}>
                Cite
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
