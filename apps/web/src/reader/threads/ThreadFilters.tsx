import { ANNOTATION_KINDS, ANNOTATION_STATUSES, VERDICTS } from "@marginalia/schema";
import { closeDetailsOnEscape } from "../../lib/details.ts";
import { useRef, useState } from "react";
import type { Member } from "../../api/groups.ts";
import { KIND_LABELS, STATUS_LABELS, VERDICT_LABELS } from "../highlights/highlight-style.ts";
import { type Filters, NO_FILTERS } from "./threads.ts";

type Props = {
  value: Filters;
  onChange(value: Filters): void;
  members: Map<string, Member>;
  shown: number;
  total: number;
  /** How many threads the reader was asked to answer. */
  assigned: number;
};

const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

/**
 * Kind, verdict, author, status and resolved filters for the thread list (and
 * the painted highlights), and "Assigned to me" in plain sight for whoever has
 * something to answer.
 */
export function ThreadFilters({ value, onChange, members, shown, total, assigned }: Props) {
  const active = JSON.stringify(value) !== JSON.stringify(NO_FILTERS);
  // Open or shut as the reader left it: tied to the filters, the panel snapped shut when the last one was
  // cleared, under the pointer, taking the focused control with it. Set filters show it when it is drawn anew.
  const [open, setOpen] = useState(active);
  const summary = useRef<HTMLElement>(null);
  return (
    <>
      {(assigned > 0 || value.assignedToMe) && (
        <label className="chip assigned-filter">
          <input type="checkbox" checked={value.assignedToMe} onChange={() => onChange({ ...value, assignedToMe: !value.assignedToMe })} />
          Assigned to me ({assigned})
        </label>
      )}
      <details className="filters" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} onKeyDown={closeDetailsOnEscape}>
        <summary ref={summary}>
          Filters{active && ` · ${shown} of ${total}`}
        </summary>
        <fieldset>
          <legend>Kind</legend>
          {ANNOTATION_KINDS.map((k) => (
            <label key={k} className="chip">
              <input type="checkbox" checked={value.kinds.includes(k)} onChange={() => onChange({ ...value, kinds: toggle(value.kinds, k) })} />
              {KIND_LABELS[k]}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Verdict</legend>
          {VERDICTS.map((v) => (
            <label key={v} className={`chip verdict-${v}`}>
              <input type="checkbox" checked={value.verdicts.includes(v)} onChange={() => onChange({ ...value, verdicts: toggle(value.verdicts, v) })} />
              {VERDICT_LABELS[v]}
            </label>
          ))}
        </fieldset>
        <div className="row-form">
          <label>
            Author
            <select value={value.author} onChange={(e) => onChange({ ...value, author: e.target.value })}>
              <option value="">Anyone</option>
              {[...members.values()].map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status
            <select value={value.status} onChange={(e) => onChange({ ...value, status: e.target.value as Filters["status"] })}>
              <option value="">Any</option>
              {ANNOTATION_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Resolved
            <select value={value.resolved} onChange={(e) => onChange({ ...value, resolved: e.target.value as Filters["resolved"] })}>
              <option value="all">Open and resolved</option>
              <option value="open">Open only</option>
              <option value="resolved">Resolved only</option>
            </select>
          </label>
        </div>
        {active && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              // The button goes with the last filter: the focus goes to the panel's own control rather than the page.
              summary.current?.focus();
              onChange(NO_FILTERS);
            }}
          >
            Clear filters
          </button>
        )}
      </details>
    </>
  );
}
