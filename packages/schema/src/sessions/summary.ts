import type * as Y from "yjs";
import type { CodePointIndex } from "../anchoring/code-points.ts";
import { VERDICTS, type Verdict } from "../vocabulary/annotations.ts";
import type { AnnotationValue } from "../ydoc/layout.ts";
import { countedAnnotations } from "./counted.ts";
import type { Presence } from "./presence.ts";
import { type TextRange, overlaps } from "./ranges.ts";
import { type ActivityEvent, type Bucket, activityEvents, bucketize } from "./timeline.ts";
import { byCodeUnits } from "./order.ts";

export type SummaryOptions = {
  /** The article's current text, to quote what people have selected. */
  index?: CodePointIndex;
  /** How many of the most recent events to list. */
  latest?: number;
  /** The most time slots the timeline is cut into. */
  maxBuckets?: number;
  /** The document's annotations by id, already read (as `countedAnnotations` reads them). */
  annotations?: ReadonlyMap<string, AnnotationValue>;
};

/** What one person is doing: what they have selected now, which threads that touches, and what they were asked to answer. */
export type PersonAtWork = {
  userId: string;
  present: boolean;
  selections: Array<TextRange & { quote: string | null }>;
  /** Top-level annotations whose text overlaps one of their selections. */
  reading: string[];
  assigned: Array<{ annotationId: string; resolved: boolean; dueAt: number | null }>;
};

export type SessionSummary = {
  /** Top-level fact-checks; `inReview` are drafts and those pending a moderator. */
  claims: { total: number; published: number; inReview: number };
  /** The verdict of each claim, every verdict listed so that a chart has fixed bars. */
  verdicts: Record<Verdict, number>;
  /** Top-level annotations of every kind, by their resolved flag. */
  threads: { open: number; resolved: number };
  annotations: { highlight: number; comment: number; factcheck: number; replies: number };
  people: PersonAtWork[];
  timeline: { bucketMs: number; buckets: Bucket[]; latest: ActivityEvent[] };
};

const QUOTE_LIMIT = 160;

/**
 * The live numbers of one article's session, from its group document and
 * the presence on it. Server and web both call this, so the JSON summary
 * and the dashboard cannot disagree on a definition.
 */
export function summarize(doc: Y.Doc, presence: readonly Presence[], options: SummaryOptions = {}): SessionSummary {
  const counted = countedAnnotations(doc, options.annotations);
  const claims = counted.roots.filter((a) => a.kind === "factcheck");
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const claim of claims) if (claim.factcheck) verdicts[claim.factcheck.verdict]++;
  const events = activityEvents(counted);
  const resolved = counted.roots.filter((a) => a.resolved).length;
  return {
    claims: {
      total: claims.length,
      published: claims.filter((a) => a.status === "published").length,
      inReview: claims.filter((a) => a.status === "draft" || a.status === "pending").length,
    },
    verdicts,
    threads: { open: counted.roots.length - resolved, resolved },
    annotations: {
      highlight: counted.roots.filter((a) => a.kind === "highlight").length,
      comment: counted.roots.filter((a) => a.kind === "comment").length,
      factcheck: claims.length,
      replies: counted.replies.length,
    },
    people: peopleAtWork(counted.roots, counted.replies, presence, options.index),
    timeline: { ...bucketize(events, options.maxBuckets ?? 24), latest: events.slice(-(options.latest ?? 10)).reverse() },
  };
}

/** Everyone present, and everyone with an assignment, present or not: present first, then by id. */
function peopleAtWork(
  roots: readonly AnnotationValue[],
  replies: readonly AnnotationValue[],
  presence: readonly Presence[],
  index: CodePointIndex | undefined,
): PersonAtWork[] {
  const people = new Map<string, PersonAtWork>();
  const person = (userId: string) => {
    let p = people.get(userId);
    if (!p) people.set(userId, (p = { userId, present: false, selections: [], reading: [], assigned: [] }));
    return p;
  };
  const placed = roots.filter((a) => a.target && a.anchor?.state !== "orphaned");
  for (const { userId, selection } of presence) {
    const p = person(userId);
    p.present = true;
    if (!selection) continue;
    const quote = index ? index.slice(selection.start, Math.min(selection.end, selection.start + QUOTE_LIMIT)) : null;
    p.selections.push({ ...selection, quote });
    for (const a of placed) if (overlaps(a.target!, selection) && !p.reading.includes(a.id)) p.reading.push(a.id);
  }
  for (const a of [...roots, ...replies]) {
    for (const userId of a.assignees) person(userId).assigned.push({ annotationId: a.id, resolved: a.resolved, dueAt: a.dueAt });
  }
  return [...people.values()].sort((x, y) => Number(y.present) - Number(x.present) || byCodeUnits(x.userId, y.userId));
}
