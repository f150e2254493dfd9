import { and, eq } from "drizzle-orm";
import { type Role, articles, groups, memberships, roleAtLeast } from "@marginalia/schema/tables";
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

/** Same gate, reached through an article; the article is hidden from non-members like its group. */
export async function requireArticleRole(db: Db, articleId: string, userId: string, needed: Role) {
  const [row] = await db
    .select({ article: articles, role: memberships.role, moderation: groups.moderation })
    .from(articles)
    .innerJoin(groups, eq(groups.id, articles.groupId))
    .leftJoin(memberships, and(eq(memberships.groupId, articles.groupId), eq(memberships.userId, userId)))
    .where(eq(articles.id, articleId));
  if (!row?.role) throw notFound("Article");
  if (!roleAtLeast(row.role, needed)) throw forbidden(`This needs the ${needed} role or higher`);
  return { article: row.article, role: row.role, moderation: row.moderation };
}
