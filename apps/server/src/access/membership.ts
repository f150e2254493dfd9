import { and, eq } from "drizzle-orm";
import { type Role, articles, groups, memberIds, memberships, roleAtLeast } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { forbidden, notFound } from "../errors.ts";

/**
 * The one gate for group-scoped routes. Not being a member reads as 404 so
 * that outsiders cannot learn which groups exist; a member whose role is too
 * weak gets 403.
 */
export async function requireRole(db: Db, groupId: string, userId: string, needed: Role): Promise<Role> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
  if (!row) throw notFound("Group");
  if (!roleAtLeast(row.role, needed)) throw forbidden(`This needs the ${needed} role or higher`);
  return row.role;
}

/**
 * Same gate, reached through an article; the article is hidden from non-members like its group. Also
 * gives the member id the group's documents know the caller by (docs/architecture.md, "Member ids").
 */
export async function requireArticleRole(db: Db, articleId: string, userId: string, needed: Role) {
  const [row] = await db
    .select({ article: articles, role: memberships.role, memberId: memberIds.memberId, moderation: groups.moderation })
    .from(articles)
    .innerJoin(groups, eq(groups.id, articles.groupId))
    .leftJoin(memberships, and(eq(memberships.groupId, articles.groupId), eq(memberships.userId, userId)))
    .leftJoin(memberIds, and(eq(memberIds.groupId, articles.groupId), eq(memberIds.userId, userId)))
    .where(eq(articles.id, articleId));
  // Every membership has a member id (a trigger makes it): one without is no membership to act on.
  if (!row?.role || !row.memberId) throw notFound("Article");
  if (!roleAtLeast(row.role, needed)) throw forbidden(`This needs the ${needed} role or higher`);
  return { article: row.article, role: row.role, memberId: row.memberId, moderation: row.moderation };
}
