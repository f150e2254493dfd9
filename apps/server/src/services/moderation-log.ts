import { and, eq, isNull } from "drizzle-orm";
import type { AnnotationStatus, ModerationAction } from "@marginalia/schema";
import { flags, moderationLog } from "@marginalia/schema/tables";
import { type Db, transaction } from "../db.ts";
import type { AnnotationRow } from "./annotation-view.ts";
import { notifyMembers } from "./notifications.ts";

/** One moderation step, logged with the status it changed, and the author told. */
export async function recordModeration(
  db: Db,
  row: Pick<AnnotationRow, "id" | "groupId" | "articleId" | "authorId">,
  actorId: string,
  action: ModerationAction,
  change: { oldStatus: AnnotationStatus; newStatus: AnnotationStatus; reason?: string | null },
) {
  await transaction(db, async (tx) => {
    const [entry] = await tx
      .insert(moderationLog)
      .values({ groupId: row.groupId, annotationId: row.id, actorId, action, ...change })
      .returning({ id: moderationLog.id });
    // Open flags are settled by whatever a moderator decided: the group's own, as another group's flags
    // under a reused id are not this decision's.
    await tx
      .update(flags)
      .set({ resolvedAt: new Date() })
      .where(and(eq(flags.groupId, row.groupId), eq(flags.annotationId, row.id), isNull(flags.resolvedAt)));
    if (row.authorId && row.authorId !== actorId) {
      await notifyMembers(tx, row.groupId, [
        {
          userId: row.authorId,
          kind: "moderation",
          annotationId: row.id,
          articleId: row.articleId,
          actorId,
          event: `${action}:${entry!.id}`,
          data: { action, ...change },
        },
      ]);
    }
  });
}
