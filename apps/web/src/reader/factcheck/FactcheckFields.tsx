import { useId } from "react";
import { VERDICTS, type Verdict } from "@marginalia/schema";
import { ClaimMemory } from "./ClaimMemory.tsx";
import type { FactcheckDraft } from "./factcheck-draft.ts";
import { VERDICT_LABELS } from "../highlights/highlight-style.ts";
import { submitOnEnter } from "../threads/keyboard.ts";

/** `groupId`, for a new fact-check: shows the group's earlier checks of similar claims as the claim is typed. */
type Props = { value: FactcheckDraft; onChange(value: FactcheckDraft): void; autoFocus?: boolean; groupId?: string };

/** Claim, verdict, confidence and sources: shared by the popover and the edit form. */
export function FactcheckFields({ value, onChange, autoFocus, groupId }: Props) {
  const id = useId();
  const set = (patch: Partial<FactcheckDraft>) => onChange({ ...value, ...patch });
  const setSource = (i: number, patch: Partial<FactcheckDraft["sources"][number]>) =>
    set({ sources: value.sources.map((s, n) => (n === i ? { ...s, ...patch } : s)) });

  return (
    <>
      <label>
        Claim
        <textarea dir="auto"
          name="claim"
          value={value.claim}
          onChange={(e) => set({ claim: e.target.value })}
          onKeyDown={submitOnEnter}
          rows={3}
          maxLength={5000}
          required
          autoFocus={autoFocus}
        />
      </label>
      {groupId && <ClaimMemory groupId={groupId} draft={value} onChange={onChange} />}
      <div className="row-form">
        <label>
          Verdict
          <select name="verdict" value={value.verdict} onChange={(e) => set({ verdict: e.target.value as Verdict })} required>
            <option value="" disabled>
              Choose…
            </option>
            {VERDICTS.map((v) => (
              <option key={v} value={v}>
                {VERDICT_LABELS[v]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Confidence
          <span className="confidence">
            <input
              id={id}
              type="range"
              min={0}
              max={100}
              step={5}
              value={value.confidence ?? 50}
              onChange={(e) => set({ confidence: Number(e.target.value) })}
              aria-valuetext={value.confidence === null ? "not stated" : `${value.confidence} percent`}
            />
            <output htmlFor={id}>{value.confidence === null ? "—" : `${value.confidence}%`}</output>
          </span>
        </label>
      </div>
      <fieldset className="sources">
        <legend>Sources</legend>
        {value.sources.map((source, i) => (
          <div key={i} className="source-row">
            <label>
              <span className="visually-hidden">Source {i + 1} </span>URL
              <input
                type="url"
                name={`source-url-${i}`}
                inputMode="url"
                placeholder="https://"
                value={source.url}
                onChange={(e) => setSource(i, { url: e.target.value })}
                aria-label={`Source ${i + 1} URL`}
              />
            </label>
            <label>
              <span className="visually-hidden">Source {i + 1} </span>Title
              <input value={source.title} maxLength={500} onChange={(e) => setSource(i, { title: e.target.value })} aria-label={`Source ${i + 1} title`} />
            </label>
            {value.sources.length > 1 && (
              <button type="button" className="icon-button" aria-label={`Remove source ${i + 1}`} onClick={() => set({ sources: value.sources.filter((_, n) => n !== i) })}>
                ×
              </button>
            )}
          </div>
        ))}
        <button type="button" className="link-button" onClick={() => set({ sources: [...value.sources, { url: "", title: "" }] })}>
          Add source
        </button>
      </fieldset>
    </>
  );
}
