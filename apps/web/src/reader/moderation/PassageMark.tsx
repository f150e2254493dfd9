import type { AnnotationView } from "../../api/annotations.ts";

/**
 * Warns a moderator that the passage under a queued annotation has moved on: it is no longer in the article
 * (an orphan), or a correction reworded it after its verdict was given (a stale verdict, docs/architecture.md,
 * "Verdicts pinned to the text"). Its quote alone reads as if it stood in the text as it is now.
 */
export function PassageMark({ annotation: a }: { annotation: AnnotationView }) {
  if (a.anchor.state === "orphaned") {
    return (
      <p className="queue-mark" role="note">
        <strong>Passage no longer in the article.</strong> A correction removed the text quoted here.
      </p>
    );
  }
  if (!a.stale || !a.staleness) return null;
  const { judgedRevision, revision, oldQuote } = a.staleness;
  return (
    <p className="queue-mark" role="note">
      <strong>Passage changed since the verdict.</strong> Revision {revision} reworded it; the verdict was given on revision {judgedRevision}, when
      it read: <q dir="auto">{oldQuote}</q>
    </p>
  );
}
