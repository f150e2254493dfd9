import type { Source } from "@marginalia/schema";
import { SourceLink } from "../threads/SafeText.tsx";

/** A fact-check's sources, as safe links. */
export function SourceList({ sources }: { sources: readonly Source[] }) {
  return (
    <ul className="source-list">
      {sources.map((s, i) => (
        <li key={i}>
          <SourceLink url={s.url} title={s.title} />
        </li>
      ))}
    </ul>
  );
}
