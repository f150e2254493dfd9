import { and, desc, eq, inArray, isNull, lt } from "drizzle-orm";
import { notifications, users } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";

export function listNotifications(db: Db, userId: string, options: { unread: boolean; before?: number; limit: number }) {
  return db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      annotationId: notifications.annotationId,
      articleId: notifications.articleId,
      actor: { id: users.id, name: users.name },
      data: notifications.data,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
    })
    .from(notifications)
    .leftJoin(users, eq(users.id, notifications.actorId))
    .where(
      and(
        eq(notifications.userId, userId),
        options.unread ? isNull(notifications.readAt) : undefined,
        options.before ? lt(notifications.id, options.before) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(options.limit);
}

/** Marks the given notifications read, or all of them; returns how many changed. */
export async function markRead(db: Db, userId: string, ids?: number[]) {
  const changed = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(
      and(eq(notifications.userId, userId), isNull(notifications.readAt), ids ? inArray(notifications.id, ids) : undefined),
    )
    .returning({ id: notifications.id });
  return changed.length;
}
