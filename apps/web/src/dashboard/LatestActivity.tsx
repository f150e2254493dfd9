import type { ActivityEvent } from "@marginalia/schema";
import { RelativeTime } from "../lib/RelativeTime.tsx";
import { KIND_LABELS, VERDICT_LABELS } from "../reader/highlights/index.ts";

/** The newest events first, as sentences. */
export function LatestActivity({ events, nameOf }: { events: readonly ActivityEvent[]; nameOf: (id: string) => string }) {
  if (events.length === 0) return <p className="empty">Nothing written yet.</p>;
  return (
    <ol className="latest-activity" aria-label="Latest activity">
      {events.map((e) => (
        <li key={e.annotationId}>
          <RelativeTime at={e.at} className="muted" />{" "}
          {nameOf(e.authorId)} {e.type === "reply" ? "replied" : `added a ${KIND_LABELS[e.kind].toLowerCase()}`}
          {e.verdict && <span className={`badge verdict verdict-${e.verdict}`}>{VERDICT_LABELS[e.verdict]}</span>}
        </li>
      ))}
    </ol>
  );
}
