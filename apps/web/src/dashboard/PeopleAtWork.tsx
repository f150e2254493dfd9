import type { PersonAtWork } from "@marginalia/schema";
import { fullTime } from "../lib/time.ts";

/** Who is here and what they have selected, and who was asked to answer what, present or not. */
export function PeopleAtWork({ people, nameOf }: { people: readonly PersonAtWork[]; nameOf: (id: string) => string }) {
  if (people.length === 0) return <p className="empty">Nobody has the article open, and nothing is assigned.</p>;
  return (
    <ul className="people-at-work" aria-label="Who is working on what">
      {people.map((p) => {
        const open = p.assigned.filter((a) => !a.resolved);
        const due = open.map((a) => a.dueAt).filter((d): d is number => d !== null).sort((a, b) => a - b)[0];
        return (
          <li key={p.userId} className={p.present ? "present" : undefined}>
            <strong>{nameOf(p.userId)}</strong> <span className="muted">{p.present ? "reading now" : "away"}</span>
            {p.selections.map((s) => (
              <blockquote key={`${s.start}-${s.end}`} className="selection-quote">
                {s.quote}
              </blockquote>
            ))}
            {p.reading.length > 0 && <span className="hint"> on {p.reading.length === 1 ? "1 thread" : `${p.reading.length} threads`}</span>}
            {p.assigned.length > 0 && (
              <span className="hint">
                {" "}
                · assigned {p.assigned.length}, {open.length} open{due !== undefined && `, next due ${fullTime(due)}`}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
