import type * as Y from "yjs";
import type { AnnotationStatus } from "../vocabulary/annotations.ts";
import { type AnnotationValue, parseVoteKey } from "../ydoc/layout.ts";
import { annotationsOf, readAnnotation, votesOf } from "../ydoc/annotations.ts";
import { byCodeUnits } from "./order.ts";

/**
 * Statuses that take an annotation out of the session's numbers. Hidden ones
 * are shown to moderators only and rejected ones are withdrawn, so counting
 * them would let a peer's dashboard and a moderator's disagree.
 */
const UNCOUNTED: ReadonlySet<AnnotationStatus> = new Set(["hidden", "rejected"]);

/** The annotations of a group document that the session counts, split into top-level ones and replies. */
export type CountedAnnotations = {
  roots: AnnotationValue[];
  replies: AnnotationValue[];
  byId: Map<string, AnnotationValue>;
};

/**
 * Reads the annotations a dashboard counts: everything in the document but
 * hidden or rejected annotations and the replies under them, as the REST
 * API hides a hidden annotation's thread. A reply whose parent was deleted
 * is still a reply: it was written as an answer.
 */
export function countedAnnotations(doc: Y.Doc, read?: ReadonlyMap<string, AnnotationValue>): CountedAnnotations {
  const all = read ?? annotationsById(doc);
  const counted: CountedAnnotations = { roots: [], replies: [], byId: new Map() };
  for (const a of all.values()) {
    if (UNCOUNTED.has(a.status)) continue;
    const parent = a.parentId === null ? null : all.get(a.parentId);
    if (parent && UNCOUNTED.has(parent.status)) continue;
    counted.byId.set(a.id, a);
    (a.parentId === null ? counted.roots : counted.replies).push(a);
  }
  const byTime = (x: AnnotationValue, y: AnnotationValue) => x.createdAt - y.createdAt || byCodeUnits(x.id, y.id);
  counted.roots.sort(byTime);
  counted.replies.sort(byTime);
  return counted;
}

export type VoteTotals = { agree: number; disagree: number };

/** Votes per annotation, leaving out a voter's vote on their own annotation, which is no one's verdict on it. */
export function votesReceived(doc: Y.Doc, counted: CountedAnnotations): Map<string, VoteTotals> {
  const totals = new Map<string, VoteTotals>();
  for (const [key, value] of votesOf(doc).entries()) {
    const vote = parseVoteKey(key);
    const target = vote ? counted.byId.get(vote.annotationId) : undefined;
    if (!vote || !target || vote.userId === target.authorId) continue;
    if (value !== "agree" && value !== "disagree") continue;
    const tally = totals.get(target.id) ?? { agree: 0, disagree: 0 };
    tally[value]++;
    totals.set(target.id, tally);
  }
  return totals;
}

/**
 * Every annotation of the document, by id, with its id. A caller with many to read may read them this way
 * over several turns of its event loop and hand them to `countedAnnotations` (and the views built on it).
 */
function annotationsById(doc: Y.Doc): Map<string, AnnotationValue> {
  const all = new Map<string, AnnotationValue>();
  for (const [id, map] of annotationsOf(doc).entries()) all.set(id, { ...readAnnotation(map), id });
  return all;
}
