import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { AnnotationStatus, ModerationAction } from "@marginalia/schema";
import { flags, moderationLog } from "@marginalia/schema/tables";
import { type Db, transaction } from "../db.ts";
import { MAX_PAGE, cursorTime, decodeCursor, encodeCursor, pageQuery } from "../http/cursor.ts";
import { nameBook } from "./identities.ts";
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

/** The log's query: a page of at most 200 entries by default, as many as the log answered before it paged. */
export const moderationLogQuery = z.object(pageQuery(MAX_PAGE));

/**
 * The log's place: the last entry's time, to the microsecond the column keeps (a millisecond would skip
 * the entries logged later within it), and its id, which orders the entries logged in one instant.
 */
const SORT = "logged";
const logCursor = z.tuple([z.literal(SORT), cursorTime, z.number().int().positive()]);
const loggedAt = sql<string>`to_char(${moderationLog.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A page of the group's log, newest first: by time, then by id, so entries sharing an instant are neither skipped nor repeated. */
export async function moderationHistory(db: Db, groupId: string, page: z.output<typeof moderationLogQuery>) {
  const after = page.cursor ? decodeCursor(page.cursor, SORT, logCursor) : null;
  const [rows, book] = await Promise.all([
    db
      .select({
        id: moderationLog.id,
        annotationId: moderationLog.annotationId,
        action: moderationLog.action,
        oldStatus: moderationLog.oldStatus,
        newStatus: moderationLog.newStatus,
        reason: moderationLog.reason,
        actorId: moderationLog.actorId,
        createdAt: moderationLog.createdAt,
        loggedAt,
      })
      .from(moderationLog)
      .where(
        and(
          eq(moderationLog.groupId, groupId),
          after ? sql`(${moderationLog.createdAt}, ${moderationLog.id}) < (${after.value}::timestamptz, ${after.id}::bigint)` : undefined,
        ),
      )
      .orderBy(desc(moderationLog.createdAt), desc(moderationLog.id))
      .limit(page.limit + 1),
    nameBook(db, groupId, { role: "moderator" }),
  ]);
  const entries = rows.slice(0, page.limit);
  const last = entries.at(-1);
  return {
    entries: entries.map(({ actorId, loggedAt: _, ...entry }) => ({ ...entry, actor: book.person(actorId) })),
    nextCursor: rows.length > page.limit && last ? encodeCursor(SORT, last.loggedAt, last.id) : null,
  };
}
