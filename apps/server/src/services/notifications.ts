import { type InferInsertModel, and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, lte, max, notInArray, or } from "drizzle-orm";
import { articles, memberships, notifications } from "@marginalia/schema/tables";
import { type Db, type Tx, afterCommit } from "../db.ts";
import { notificationBell } from "./notification-bell.ts";
import { type NameBook, nameBook } from "./identities.ts";

export type NewNotification = InferInsertModel<typeof notifications>;

/** Notifications written per INSERT statement. */
const INSERT_ROWS = 1_000;

/**
 * Stores notifications about a group's work, for its current members only.
 * Every notifier goes through here, so that someone removed from a group hears
 * nothing more of it: not a reply to what they wrote there, not a moderator's
 * reason for hiding it, not a revision of its text. Read in the same
 * transaction as the change that notifies, so a removal that commits first is
 * seen. Once the transaction commits (run it with `transaction` from db.ts),
 * the recipients' open streams are told.
 */
export async function notifyMembers(tx: Tx, groupId: string, pending: readonly NewNotification[]) {
  if (pending.length === 0) return;
  const members = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), inArray(memberships.userId, [...new Set(pending.map((n) => n.userId))])));
  const current = new Set(members.map((m) => m.userId));
  const kept = pending.filter((n) => current.has(n.userId));
  if (kept.length === 0) return;
  // Only rows actually written: a re-projection that notifies nobody anew rings nobody.
  const written: string[] = [];
  // In statements of INSERT_ROWS: one commit can carry tens of thousands (a thousand comments each
  // mentioning fifty members), and the query builder overflowed the stack on 30,000 rows in one statement.
  for (let i = 0; i < kept.length; i += INSERT_ROWS) {
    const rows = await tx.insert(notifications).values(kept.slice(i, i + INSERT_ROWS)).onConflictDoNothing().returning({ userId: notifications.userId });
    for (const row of rows) written.push(row.userId);
  }
  if (written.length) afterCommit(tx, () => notificationBell.ring(written));
}

/**
 * The accounts that moderate a group (owners and moderators), who are told of work waiting for them; all but
 * `except`, who caused it (a moderator's own flag or submission is no news to them).
 */
export async function moderatorsOf(tx: Tx, groupId: string, except: string | null = null): Promise<string[]> {
  const rows = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), inArray(memberships.role, ["owner", "moderator"])));
  return rows.map((row) => row.userId).filter((userId) => userId !== except);
}

/**
 * A user's notifications, newest first. Each actor is named as the user may
 * see them in the notification's group, so an anonymous group stays
 * anonymous here too; with no group left to ask, nobody is named. What a
 * group told someone while they were a member stays theirs to read only
 * while they still are.
 */
export type ListOptions = {
  unread: boolean;
  before?: number;
  after?: number;
  /**
   * With `after`: also those written since `since` and not in `skip`, whatever their id. Ids are taken at
   * insert and transactions commit in any order, so a lower id can become readable after a higher one was.
   */
  recent?: { since: Date; skip: readonly number[] };
  limit: number;
};

export async function listNotifications(db: Db, userId: string, options: ListOptions) {
  const { after, recent } = options;
  const newer =
    after === undefined
      ? undefined
      : recent
        ? or(gt(notifications.id, after), and(gt(notifications.createdAt, recent.since), recent.skip.length ? notInArray(notifications.id, [...recent.skip]) : undefined))
        : gt(notifications.id, after);
  const rows = await db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      annotationId: notifications.annotationId,
      articleId: notifications.articleId,
      actorId: notifications.actorId,
      data: notifications.data,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
      groupId: articles.groupId,
      role: memberships.role,
    })
    .from(notifications)
    .leftJoin(articles, eq(articles.id, notifications.articleId))
    .leftJoin(memberships, and(eq(memberships.groupId, articles.groupId), eq(memberships.userId, userId)))
    .where(
      and(
        eq(notifications.userId, userId),
        or(isNull(articles.groupId), isNotNull(memberships.role)),
        options.unread ? isNull(notifications.readAt) : undefined,
        options.before ? lt(notifications.id, options.before) : undefined,
        newer,
      ),
    )
    // Newer than `after` is read oldest first, so that a stream taking them a page at a time skips none.
    .orderBy(after !== undefined ? asc(notifications.id) : desc(notifications.id))
    .limit(options.limit);
  const books = new Map<string, NameBook>();
  for (const { groupId, role } of rows) {
    if (!groupId || books.has(groupId)) continue;
    // Only the actors named here: a stream reads this for every notification, and a group's whole roster
    // (600 members) each time held the loop for everyone.
    const actors = [...new Set(rows.flatMap((r) => (r.groupId === groupId && r.actorId ? [r.actorId] : [])))];
    books.set(groupId, await nameBook(db, groupId, { id: userId, role }, actors));
  }
  return rows.map(({ actorId, groupId, role: _role, ...n }) => ({
    ...n,
    // Named within the group the notification is about, by member id: an account id here would link a
    // member of an anonymous group to the same person elsewhere.
    actor: actorId && groupId && books.get(groupId) ? books.get(groupId)!.person(actorId) : null,
  }));
}

/** The ids of the user's notifications up to `upTo` written since `since`: what a stream starting there counts as sent. */
export async function recentNotificationIds(db: Db, userId: string, since: Date, upTo: number): Promise<number[]> {
  const rows = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), gt(notifications.createdAt, since), lte(notifications.id, upTo)));
  return rows.map((r) => r.id);
}

/** The id of the user's newest notification, or 0: where a new stream starts. */
export async function newestNotificationId(db: Db, userId: string): Promise<number> {
  const [row] = await db.select({ id: max(notifications.id) }).from(notifications).where(eq(notifications.userId, userId));
  return row?.id ?? 0;
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
