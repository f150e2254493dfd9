import { type InferInsertModel, and, eq, inArray, ne } from "drizzle-orm";
import { annotations, memberships } from "@marginalia/schema/tables";
import type { Tx } from "../db.ts";
import type { DocContext } from "../documents/context.ts";
import { type NewNotification, notifyMembers } from "../services/notifications.ts";
import type { CommitHook } from "../sync/persist/commit-hooks.ts";

type Row = InferInsertModel<typeof annotations>;

/** Whether a commit may have assigned someone: cheap, so that other commits skip the lookup. */
export const mayAssign = (ctx: DocContext, rows: readonly Row[]) => ctx.visibility === "group" && rows.some((row) => !!row.assignees?.length);

/**
 * Tells members they were asked to answer an annotation. Runs in
 * the commit's transaction *before* the projection is written, so that the
 * rows still hold the previous assignees: only those newly added hear of it,
 * never the member who assigned themself, and only members who can answer.
 * The unique key keeps it to one notification per member and annotation, so
 * a re-projection, or being dropped and added again, notifies no one twice.
 *
 * `writers` says who made the change to each annotation in this commit.
 */
export async function notifyAssignees(tx: Tx, ctx: DocContext, rows: readonly Row[], writers: ReadonlyMap<string, string | null>) {
  if (!mayAssign(ctx, rows)) return;
  const assigned = rows.filter((row) => row.assignees?.length);
  const before = await tx
    .select({ id: annotations.id, assignees: annotations.assignees })
    .from(annotations)
    .where(and(eq(annotations.docName, ctx.docName), inArray(annotations.id, assigned.map((r) => r.id))));
  const had = new Map(before.map((b) => [b.id, new Set(b.assignees)]));
  const added = assigned.flatMap((row) =>
    row.assignees!.filter((userId) => !had.get(row.id)?.has(userId) && userId !== writers.get(row.id)).map((userId) => ({ row, userId })),
  );
  if (added.length === 0) return;
  const members = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.groupId, ctx.groupId), inArray(memberships.userId, [...new Set(added.map((a) => a.userId))]), ne(memberships.role, "viewer")));
  const canAnswer = new Set(members.map((m) => m.userId));
  const pending: NewNotification[] = added
    .filter(({ userId }) => canAnswer.has(userId))
    .map(({ row, userId }) => ({
      userId,
      kind: "assignment",
      annotationId: row.id,
      articleId: ctx.articleId,
      actorId: writers.get(row.id) ?? null,
      data: { dueAt: row.dueAt ? new Date(row.dueAt).toISOString() : null },
    }));
  await notifyMembers(tx, ctx.groupId, pending);
}

/** Assignments, before the projection overwrites the previous assignees. */
export const assignmentsHook: CommitHook = {
  name: "assignments",
  wants: (doc) => mayAssign(doc.context, doc.upserts),
  beforeProjection: (tx, doc) => notifyAssignees(tx, doc.context, doc.upserts, doc.writers),
};
