import { and, asc, eq, isNotNull, sql } from "drizzle-orm";
import { groupByPassage } from "@marginalia/schema";
import { annotations, memberships } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import type { AnnotationRow } from "./annotation-view.ts";

/**
 * Expert review (README, "review board"): in a pre-moderated group with a quorum N > 1, a
 * moderator publishes a verdict on a passage only once N members have each
 * submitted a fact-check of it. The review stays blind without any code here:
 * submissions wait in their authors' private documents until the reveal.
 */

/** The independent reviews of one passage: pending fact-check submissions, oldest first. */
export type Passage = { id: string; submissions: AnnotationRow[]; reviews: number };

type Reviewable = Pick<AnnotationRow, "kind" | "status" | "visibility" | "verdict" | "authorId">;
/** A review is any pending submission that carries a verdict, whatever its kind (a comment can carry one too). */
const isReview = (row: Reviewable) => !!row.verdict && row.status === "pending" && row.visibility === "private";

/** Distinct authors who gave a verdict: a second submission by one reviewer is not a second review. */
const reviewsIn = (rows: readonly AnnotationRow[]) => new Set(rows.filter((r) => r.verdict && r.authorId).map((r) => r.authorId)).size;

/**
 * Each submission's passage. Rows must come oldest first (created, then id),
 * so that a passage is named after its first submission whatever arrives later.
 */
export function passagesOf(rows: readonly AnnotationRow[]): Map<string, Passage> {
  const passages = new Map<string, Passage>();
  for (const articleRows of groupBy(rows.filter(isReview), (r) => r.articleId).values()) {
    for (const submissions of groupByPassage(articleRows, (r) => r.target)) {
      const passage = { id: submissions[0]!.id, submissions, reviews: reviewsIn(submissions) };
      for (const row of submissions) passages.set(row.id, passage);
    }
  }
  return passages;
}

/** An article's pending fact-check submissions, in the order `passagesOf` needs. */
export function pendingReviews(db: Db | Tx, articleId: string) {
  return db
    .select()
    .from(annotations)
    .where(
      and(
        eq(annotations.articleId, articleId),
        isNotNull(annotations.verdict),
        eq(annotations.status, "pending"),
        eq(annotations.visibility, "private"),
        byMember,
      ),
    )
    .orderBy(asc(annotations.createdAt), asc(annotations.id));
}

/**
 * A submission whose author is still a member of its group. A removed member's review neither counts
 * toward a quorum nor waits in the queue: it could never be approved (its author reaches nothing), and a
 * reveal published it, nameless, as the quorum's second review.
 */
export const byMember = sql`exists (select 1 from ${memberships} m where m.group_id = ${annotations.groupId} and m.user_id = ${annotations.authorId})`;

/** Items by key, in their order; Map.groupBy needs Node 21. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
