import { and, eq, inArray } from "drizzle-orm";
import { annotations, groups } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { DocContext } from "../documents/context.ts";
import { type NewNotification, moderatorsOf, notifyMembers } from "../services/notifications.ts";
import type { CommitHook, CommittedDoc } from "../sync/commit-hooks.ts";
import type { ProjectionRow } from "../sync/projection.ts";

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
 * the submission is new or was already waiting.
 */
export async function notifySubmissions(tx: Tx, doc: CommittedDoc) {
  const submitted = awaitingReview(doc.context, doc.upserts);
  if (submitted.length === 0) return;
  const ids = submitted.map((row) => row.id!);
  const waiting = await tx
    .select({ id: annotations.id })
    .from(annotations)
    .where(and(inArray(annotations.id, ids), eq(annotations.status, "pending")));
  const already = new Set(waiting.map((row) => row.id));
  const fresh = submitted.filter((row) => !already.has(row.id!));
  if (fresh.length === 0) return;
  const ctx = doc.context;
  const [group] = await tx.select({ quorum: groups.reviewQuorum }).from(groups).where(eq(groups.id, ctx.groupId));
  if (!group || group.quorum > 1) return;
  const moderators = await moderatorsOf(tx, ctx.groupId);
  const pending: NewNotification[] = [];
  for (const row of fresh) {
    const author = doc.writers.get(row.id!) ?? null;
    for (const userId of moderators) {
      if (userId === author) continue;
      pending.push({
        userId,
        kind: "review",
        annotationId: row.id!,
        articleId: ctx.articleId,
        actorId: author,
        event: "submitted",
        data: { action: "submitted", annotationKind: row.kind, quote: row.quote ?? null },
      });
    }
  }
  await notifyMembers(tx, ctx.groupId, pending);
}

/** Work submitted for review, told to the moderators who will review it. */
export const submissionsHook: CommitHook = {
  name: "submissions for review",
  wants: (doc) => awaitingReview(doc.context, doc.upserts).length > 0,
  beforeProjection: notifySubmissions,
};
