import { and, eq, inArray, like } from "drizzle-orm";
import { annotations, groups, notifications } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { DocContext } from "../documents/context.ts";
import { type NewNotification, moderatorsOf, notifyMembers } from "../services/notifications.ts";
import type { CommitHook, CommittedDoc } from "../sync/persist/commit-hooks.ts";
import type { ProjectionRow } from "../sync/persist/projection.ts";
import { reviewedVersion } from "../services/reviewed-version.ts";

/** Rows of a private document waiting for a moderator: a pre-moderated group's submissions, and fact-checks in review. */
function awaitingReview(ctx: DocContext, rows: readonly ProjectionRow[]): ProjectionRow[] {
  return ctx.visibility === "private" ? rows.filter((row) => row.status === "pending") : [];
}

/**
 * Tells the group's moderators of work submitted for their review, once per
 * submission: it sits in its author's private document, where no moderator's
 * page sees it arrive. Expert review (a quorum above one) is told once a
 * passage has its reviews instead (quorum.ts), since its reviews stay unseen
 * until then. Runs before the projection, while the rows still say whether
 * the submission is new or was already waiting, and as what it was waiting.
 *
 * A waiting submission its author changed is told too, once per version of
 * what a moderator reviews (reviewed-version.ts), so that an open queue shows
 * it as it now reads. That one is written as read: it rings no bell, as an
 * edit of the group's annotations reaches an open page without one. A
 * rejected submission its author rewrote is pending again, and rings as a
 * new one does ("resubmitted").
 */
export async function notifySubmissions(tx: Tx, doc: CommittedDoc) {
  const submitted = awaitingReview(doc.context, doc.upserts);
  if (submitted.length === 0) return;
  const ids = submitted.map((row) => row.id!);
  const stored = await tx
    .select()
    .from(annotations)
    .where(and(inArray(annotations.id, ids), inArray(annotations.status, ["pending", "rejected"])));
  const before = new Map(stored.filter((row) => row.status === "pending").map((row) => [row.id, reviewedVersion(row)]));
  const rejected = new Set(stored.filter((row) => row.status === "rejected").map((row) => row.id));
  const news: Array<{ row: ProjectionRow; edited: string | null; again: boolean }> = [];
  for (const row of submitted) {
    const was = before.get(row.id!);
    const now = was === undefined ? null : reviewedVersion(row);
    if (was === undefined || now !== was) news.push({ row, edited: now, again: rejected.has(row.id!) });
  }
  if (news.length === 0) return;
  const ctx = doc.context;
  const [group] = await tx.select({ quorum: groups.reviewQuorum }).from(groups).where(eq(groups.id, ctx.groupId));
  if (!group || group.quorum > 1) return;
  const moderators = await moderatorsOf(tx, ctx.groupId);
  const pending: NewNotification[] = [];
  for (const { row, edited, again } of news) {
    const author = doc.writers.get(row.id!) ?? null;
    const action = edited ? "edited" : again ? "resubmitted" : "submitted";
    for (const userId of moderators) {
      if (userId === author) continue;
      pending.push({
        userId,
        kind: "review",
        annotationId: row.id!,
        articleId: ctx.articleId,
        actorId: author,
        // Submitted again after each rejection (docs/sync.md, "Rejected work, rewritten"): told once per version sent back.
        event: edited ? `edited:${edited}` : again ? `resubmitted:${reviewedVersion(row)}` : "submitted",
        data: { action, annotationKind: row.kind, quote: row.quote ?? null },
        ...(edited && { readAt: new Date() }),
      });
    }
  }
  // Only the newest edit stays told: an author typing into a waiting submission commits many versions, and
  // each would otherwise leave a row in every moderator's list.
  const edited = news.filter((n) => n.edited).map((n) => n.row.id!);
  if (edited.length) {
    await tx
      .delete(notifications)
      .where(
        and(
          eq(notifications.kind, "review"),
          eq(notifications.articleId, ctx.articleId),
          inArray(notifications.annotationId, edited),
          like(notifications.event, "edited:%"),
        ),
      );
  }
  await notifyMembers(tx, ctx.groupId, pending);
}

/** Work submitted for review, told to the moderators who will review it. */
export const submissionsHook: CommitHook = {
  name: "submissions for review",
  wants: (doc) => awaitingReview(doc.context, doc.upserts).length > 0,
  beforeProjection: notifySubmissions,
};
