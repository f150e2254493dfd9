import type * as Y from "yjs";
import { type VoteTotals, countedAnnotations, votesReceived } from "./counted.ts";
import { type TextRange, coveredLength } from "./ranges.ts";
import type { AnnotationValue } from "../ydoc/layout.ts";
import { byCodeUnits } from "./order.ts";

/** One person's part in an article's session, counted from the group document. */
export type Participation = {
  userId: string;
  /** False for an author who has since left the group: their work still counts. */
  member: boolean;
  /** Their top-level annotations, by kind. */
  annotations: { highlight: number; comment: number; factcheck: number; total: number };
  replies: number;
  /** Other members' votes on their annotations and replies. */
  votesReceived: VoteTotals;
  /** Code points of the text under at least one of their top-level annotations, and that as a share of the text. */
  covered: number;
  coverage: number;
  /** Epoch ms of their first and last annotation or reply, null when they wrote none. */
  firstActiveAt: number | null;
  lastActiveAt: number | null;
  /** The UTC days, and the number of distinct UTC clock hours, in which they wrote something. */
  activeDays: string[];
  activeHours: number;
};

/**
 * A row per member, idle members included, and per former member who left
 * work behind. Replies are left out of the coverage because they carry their
 * parent's target, and orphaned annotations because their positions no longer
 * point at the text. Activity is when annotations were written: the
 * document records no time for votes or edits by others.
 */
export function participation(
  doc: Y.Doc,
  textLength: number,
  memberIds: readonly string[],
  annotations?: ReadonlyMap<string, AnnotationValue>,
): Participation[] {
  const counted = countedAnnotations(doc, annotations);
  const votes = votesReceived(doc, counted);
  const rows = new Map<string, Participation>();
  const row = (userId: string, member: boolean) => {
    let r = rows.get(userId);
    if (!r) rows.set(userId, (r = emptyRow(userId, member)));
    return r;
  };
  for (const id of memberIds) row(id, true);
  const ranges = new Map<string, TextRange[]>();
  const times = new Map<string, number[]>();
  const add = <T>(map: Map<string, T[]>, key: string, value: T) => (map.get(key) ?? map.set(key, []).get(key)!).push(value);
  for (const a of [...counted.roots, ...counted.replies]) {
    const r = row(a.authorId, false);
    if (a.parentId === null) {
      r.annotations[a.kind]++;
      r.annotations.total++;
      if (a.target && a.anchor?.state !== "orphaned") add(ranges, a.authorId, a.target);
    } else r.replies++;
    const received = votes.get(a.id);
    if (received) {
      r.votesReceived.agree += received.agree;
      r.votesReceived.disagree += received.disagree;
    }
    add(times, a.authorId, a.createdAt);
  }
  for (const r of rows.values()) {
    r.covered = coveredLength(ranges.get(r.userId) ?? [], textLength);
    r.coverage = textLength > 0 ? r.covered / textLength : 0;
    const at = times.get(r.userId) ?? [];
    if (at.length === 0) continue;
    r.firstActiveAt = at.reduce((a, b) => Math.min(a, b));
    r.lastActiveAt = at.reduce((a, b) => Math.max(a, b));
    r.activeDays = [...new Set(at.map((t) => new Date(t).toISOString().slice(0, 10)))].sort();
    r.activeHours = new Set(at.map((t) => Math.floor(t / 3_600_000))).size;
  }
  return [...rows.values()].sort((x, y) => Number(y.member) - Number(x.member) || byCodeUnits(x.userId, y.userId));
}

function emptyRow(userId: string, member: boolean): Participation {
  return {
    userId,
    member,
    annotations: { highlight: 0, comment: 0, factcheck: 0, total: 0 },
    replies: 0,
    votesReceived: { agree: 0, disagree: 0 },
    covered: 0,
    coverage: 0,
    firstActiveAt: null,
    lastActiveAt: null,
    activeDays: [],
    activeHours: 0,
  };
}
