import { and, eq } from "drizzle-orm";
import { type Role, articles, groups, memberIds, memberships, roleAtLeast } from "@marginalia/schema/tables";
import { type Db, type Tx, boundLockWaits } from "../db.ts";
import { forbidden, notFound } from "../errors.ts";

/** A member's role in a group, and the id the group's documents know them by (docs/architecture.md, "Member ids"). */
export type Membership = { role: Role; memberId: string };

/** The one query for "is this account a member, and as what"; null for someone who is not (or no longer) one. */
export async function membershipOf(db: Db | Tx, groupId: string, userId: string): Promise<Membership | null> {
  const [row] = await db
    .select({ role: memberships.role, memberId: memberIds.memberId })
    .from(memberships)
    // Every membership has a member id (a trigger makes it).
    .innerJoin(memberIds, and(eq(memberIds.groupId, memberships.groupId), eq(memberIds.userId, memberships.userId)))
    .where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
  return row ?? null;
}

/** A member whose role is too weak gets 403, the same words wherever the check is made. */
export function assertRole(role: Role, needed: Role) {
  if (!roleAtLeast(role, needed)) throw forbidden(`This needs the ${needed} role or higher`);
}

/**
 * The one gate for group-scoped work. Not being a member reads as 404 so
 * that outsiders cannot learn which groups exist; a member whose role is too
 * weak gets 403.
 */
export async function requireRole(db: Db | Tx, groupId: string, userId: string, needed: Role): Promise<Role> {
  const found = await membershipOf(db, groupId, userId);
  if (!found) throw notFound("Group");
  assertRole(found.role, needed);
  return found.role;
}

/**
 * The same gate, decided inside the transaction that writes what the role allows (docs/architecture.md,
 * "Access over a request's life"): under a share lock on the group's row, which demoting or removing a
 * member takes for update first (services/groups.ts, `lockMembership`). Either the demotion waits for this
 * write, or this sees it done and refuses: a request that passed its checks just before its sender lost
 * the role stores nothing. Concurrent writers share the lock and do not wait for one another.
 */
export async function requireRoleLocked(tx: Tx, groupId: string, userId: string, needed: Role): Promise<Role> {
  await lockMemberships(tx, groupId);
  return requireRole(tx, groupId, userId, needed);
}

/** The share lock on a group's row that keeps its members' roles as they are until the transaction ends. */
export async function lockMemberships(tx: Tx, groupId: string): Promise<void> {
  await boundLockWaits(tx);
  await tx.select({ id: groups.id }).from(groups).where(eq(groups.id, groupId)).for("share");
}

/**
 * Same gate, reached through an article: loads the caller's access to it, refused below `needed` (403), and
 * the article hidden from non-members like its group (404). Routes reach it through the middleware
 * `requireArticleRole` (http/access.ts). Also
 * gives the member id the group's documents know the caller by (docs/architecture.md, "Member ids").
 */
export async function loadArticleAccess(db: Db, articleId: string, userId: string, needed: Role) {
  const [row] = await db
    .select({ article: articles, role: memberships.role, memberId: memberIds.memberId, moderation: groups.moderation, reviewQuorum: groups.reviewQuorum })
    .from(articles)
    .innerJoin(groups, eq(groups.id, articles.groupId))
    .leftJoin(memberships, and(eq(memberships.groupId, articles.groupId), eq(memberships.userId, userId)))
    .leftJoin(memberIds, and(eq(memberIds.groupId, articles.groupId), eq(memberIds.userId, userId)))
    .where(eq(articles.id, articleId));
  // Every membership has a member id (a trigger makes it): one without is no membership to act on.
  if (!row?.role || !row.memberId) throw notFound("Article");
  assertRole(row.role, needed);
  return { article: row.article, role: row.role, memberId: row.memberId, moderation: row.moderation, reviewQuorum: row.reviewQuorum };
}

export type ArticleAccess = Awaited<ReturnType<typeof loadArticleAccess>>;
