import { type InferInsertModel, eq } from "drizzle-orm";
import { annotations, groups } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { DocContext } from "../documents/context.ts";
import { type Passage, passagesOf, pendingReviews } from "../services/expert-review.ts";
import { moderatorsOf, notifyMembers } from "../services/notifications.ts";
import type { CommitHook } from "../sync/persist/commit-hooks.ts";

type ProjectedRow = InferInsertModel<typeof annotations>;

/** Whether a commit may complete a quorum, without a query: a pending fact-check with a verdict, in a private document. */
export function mayReachQuorum(ctx: DocContext, rows: readonly ProjectedRow[]): boolean {
  return ctx.visibility === "private" && rows.some((r) => r.status === "pending" && !!r.verdict);
}

/**
 * Tells the group's moderators when a passage has its N reviews. Runs in the
 * commit that projects the submission; the notification's key (the passage's
 * first submission) makes later submissions and re-projections no-ops.
 */
export async function notifyQuorum(tx: Tx, ctx: DocContext, rows: readonly ProjectedRow[]) {
  if (!mayReachQuorum(ctx, rows)) return;
  const [group] = await tx.select({ quorum: groups.reviewQuorum }).from(groups).where(eq(groups.id, ctx.groupId));
  if (!group || group.quorum <= 1) return;
  const passages = passagesOf(await pendingReviews(tx, ctx.articleId));
  const ready = new Map<string, Passage>();
  for (const row of rows) {
    const passage = passages.get(row.id);
    if (passage && passage.reviews >= group.quorum) ready.set(passage.id, passage);
  }
  if (ready.size === 0) return;
  const moderators = await moderatorsOf(tx, ctx.groupId);
  const pending = moderators.flatMap((userId) =>
    [...ready.values()].map((p) => ({
      userId,
      kind: "review" as const,
      annotationId: p.id,
      articleId: ctx.articleId,
      event: "quorum",
      data: { reviews: p.reviews, quorum: group.quorum, quote: p.submissions[0]!.quote },
    })),
  );
  await notifyMembers(tx, ctx.groupId, pending);
}

/** Expert review's quorum, once the submission is projected among the pending reviews. */
export const quorumHook: CommitHook = {
  name: "review quorum",
  wants: (doc) => mayReachQuorum(doc.context, doc.upserts),
  afterProjection: (tx, doc) => notifyQuorum(tx, doc.context, doc.upserts),
};
