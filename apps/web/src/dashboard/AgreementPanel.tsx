import { useEffect, useState } from "react";
import type { CodePointIndex, Verdict } from "@marginalia/schema";
import { fetchAgreement } from "../api/sessions.ts";
import { useAsync } from "../lib/use-async.ts";
import { VERDICT_LABELS } from "../reader/highlights/index.ts";

/** Krippendorff's own reading of alpha: from 0.8 reliable, from 0.667 only for tentative conclusions. */
function reading(alpha: number | null): string {
  if (alpha === null) return "nothing to compare yet";
  if (alpha >= 0.8) return "reviewers agree";
  if (alpha >= 0.667) return "tentative agreement";
  return alpha > 0 ? "weak agreement" : "no better than chance";
}

const format = (alpha: number | null) => (alpha === null ? "–" : alpha.toFixed(2));

/**
 * How far the review board agrees, for moderators: fetched again whenever the count of verdicts
 * changes (`version`), since the figures reveal verdicts still in blind review and so never travel
 * in the shared document.
 */
// Peers see a change before its commit (docs/architecture.md, "The path of an update"), and agreement
// is computed from committed rows: asking at once would often get the figures from before the change.
const AFTER_COMMIT_MS = 750;
export function AgreementPanel({ article, version, index }: { article: { id: string; revision: number }; version: string; index: CodePointIndex }) {
  const articleId = article.id;
  const [settled, setSettled] = useState(version);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(version), AFTER_COMMIT_MS);
    return () => clearTimeout(timer);
  }, [version]);
  const agreement = useAsync(() => fetchAgreement(articleId), [articleId, settled]);
  if (agreement.error) return <p className="error" role="alert">{agreement.error}</p>;
  const data = agreement.data;
  if (!data) return <p role="status">Computing agreement…</p>;
  return (
    <>
      <p className="agreement-overall" role="status" aria-label="Overall agreement">
        Krippendorff's alpha <strong>{format(data.overall.alpha)}</strong>: {reading(data.overall.alpha)}, over {data.overall.passages}{" "}
        {data.overall.passages === 1 ? "passage" : "passages"} judged by {data.overall.reviewers} reviewers.{" "}
        <button type="button" className="link" onClick={() => void agreement.reload()} disabled={agreement.loading}>
          Recompute
        </button>
      </p>
      {data.passages.length > 0 && (
        <table className="agreement" aria-label="Agreement by passage">
          <thead>
            <tr>
              <th scope="col">Passage</th>
              <th scope="col">Reviewers</th>
              <th scope="col">Alpha</th>
              <th scope="col">Verdicts</th>
            </tr>
          </thead>
          <tbody>
            {data.passages.map((p) => (
              <tr key={`${p.revision}:${p.start}`}>
                <td className="quote">
                  {p.revision === article.revision ? `“${excerpt(index.slice(p.start, p.end))}”` : `Characters ${p.start}–${p.end} of revision ${p.revision}`}
                </td>
                <td>{p.reviewers}</td>
                <td>{format(p.alpha)}</td>
                <td>
                  {Object.entries(p.verdicts)
                    .map(([v, n]) => `${VERDICT_LABELS[v as Verdict]} ${n}`)
                    .join(", ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const excerpt = (text: string) => (text.length > 90 ? `${text.slice(0, 87)}…` : text);
