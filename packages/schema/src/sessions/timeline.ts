import type { Verdict } from "../vocabulary/annotations.ts";
import type { CountedAnnotations } from "./counted.ts";
import { byCodeUnits } from "./order.ts";

/**
 * One thing that happened in a session, as the document records it: an
 * annotation or a reply was written. A fact-check, at either level, also
 * carries the verdict it gave. The document keeps no history of edits, so a
 * verdict changed later shows at the fact-check's creation with its
 * current value.
 */
export type ActivityEvent = {
  at: number;
  type: "annotation" | "reply";
  annotationId: string;
  authorId: string;
  kind: "highlight" | "comment" | "factcheck";
  verdict: Verdict | null;
};

export function activityEvents(counted: CountedAnnotations): ActivityEvent[] {
  const events = [...counted.roots, ...counted.replies].map(
    (a): ActivityEvent => ({
      at: a.createdAt,
      type: a.parentId === null ? "annotation" : "reply",
      annotationId: a.id,
      authorId: a.authorId,
      kind: a.kind,
      verdict: a.factcheck?.verdict ?? null,
    }),
  );
  return events.sort((x, y) => x.at - y.at || byCodeUnits(x.annotationId, y.annotationId));
}

/** Counts per time slot: top-level annotations, replies, and verdicts (fact-checks at either level). */
export type Bucket = { start: number; annotations: number; replies: number; verdicts: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Slot widths a reader can take in at a glance; the narrowest that fits is chosen. */
const WIDTHS = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, 7 * DAY];

/**
 * Buckets the events into at most `maxBuckets` slots aligned to the epoch,
 * from the first event's slot to the last's, empty slots included. The span
 * comes from the events alone, not the clock, so that every client and the
 * server cut the same slots from the same document.
 */
export function bucketize(events: readonly ActivityEvent[], maxBuckets: number): { bucketMs: number; buckets: Bucket[] } {
  if (events.length === 0) return { bucketMs: WIDTHS[0]!, buckets: [] };
  const first = events[0]!.at;
  const last = events[events.length - 1]!.at;
  const slots = (width: number) => Math.floor(last / width) - Math.floor(first / width) + 1;
  // Past the widest slot, whole days wide enough that the span fits in one slot fewer than allowed, for the alignment.
  const width = WIDTHS.find((w) => slots(w) <= maxBuckets) ?? Math.ceil((last - first) / Math.max(1, maxBuckets - 1) / DAY) * DAY;
  const origin = Math.floor(first / width) * width;
  const buckets: Bucket[] = Array.from({ length: slots(width) }, (_, i) => ({ start: origin + i * width, annotations: 0, replies: 0, verdicts: 0 }));
  for (const e of events) {
    const bucket = buckets[Math.floor((e.at - origin) / width)]!;
    if (e.type === "annotation") bucket.annotations++;
    else bucket.replies++;
    if (e.verdict !== null) bucket.verdicts++;
  }
  return { bucketMs: width, buckets };
}
