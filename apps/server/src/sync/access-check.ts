import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { apiTokens, articles, groups, memberships, sessions } from "@marginalia/schema/tables";
import { SESSION_INACTIVITY_TIMEOUT_MS } from "../auth/sessions.ts";
import type { Db } from "../db.ts";
import type { AccessEvent, Grant } from "./access.ts";

/**
 * What the database says now about the grants of open sockets, as the access
 * events that would bring them up to date. The hub runs this now and then and
 * after a relay reconnect: it catches what no event announced (a session that
 * expired, a token revoked from the command line, an event lost while Redis
 * was away). Four queries, whatever the number of sockets.
 */
export async function accessChanges(db: Db, grants: readonly Grant[]): Promise<AccessEvent[]> {
  if (grants.length === 0) return [];
  const unique = <T,>(values: T[]) => [...new Set(values)];
  const sessionIds = unique(grants.flatMap((g) => (g.credential.via === "session" ? [g.credential.sessionId] : [])));
  const tokenIds = unique(grants.flatMap((g) => (g.credential.via === "token" ? [g.credential.tokenId] : [])));
  const groupIds = unique(grants.map((g) => g.groupId));
  const articleIds = unique(grants.map((g) => g.articleId));
  const activeSince = new Date(Date.now() - SESSION_INACTIVITY_TIMEOUT_MS);
  const [liveSessions, liveTokens, roles, liveArticles] = await Promise.all([
    sessionIds.length
      ? db.select({ id: sessions.id }).from(sessions).where(and(inArray(sessions.id, sessionIds), gt(sessions.lastVerifiedAt, activeSince)))
      : [],
    tokenIds.length ? db.select({ id: apiTokens.id }).from(apiTokens).where(and(inArray(apiTokens.id, tokenIds), isNull(apiTokens.revokedAt))) : [],
    db
      .select({ groupId: memberships.groupId, userId: memberships.userId, role: memberships.role, moderation: groups.moderation })
      .from(memberships)
      .innerJoin(groups, eq(groups.id, memberships.groupId))
      .where(and(inArray(memberships.groupId, groupIds), inArray(memberships.userId, unique(grants.map((g) => g.userId))))),
    db.select({ id: articles.id }).from(articles).where(inArray(articles.id, articleIds)),
  ]);
  const events: AccessEvent[] = [];
  const sessionsLeft = new Set(liveSessions.map((s) => s.id));
  const ended = sessionIds.filter((id) => !sessionsLeft.has(id));
  if (ended.length) events.push({ kind: "sessions-ended", sessionIds: ended });
  const tokensLeft = new Set(liveTokens.map((t) => t.id));
  const revoked = tokenIds.filter((id) => !tokensLeft.has(id));
  if (revoked.length) events.push({ kind: "tokens-revoked", tokenIds: revoked });
  const articlesLeft = new Set(liveArticles.map((a) => a.id));
  for (const id of articleIds) if (!articlesLeft.has(id)) events.push({ kind: "article-deleted", articleId: id });
  const roleOf = new Map(roles.map((r) => [`${r.groupId}:${r.userId}`, r]));
  for (const key of unique(grants.map((g) => `${g.groupId}:${g.userId}`))) {
    const [groupId, userId] = key.split(":") as [string, string];
    const current = roleOf.get(key);
    if (!current) events.push({ kind: "member-removed", groupId, userId });
    else events.push({ kind: "role-changed", groupId, userId, role: current.role }, { kind: "moderation-changed", groupId, moderation: current.moderation });
  }
  return events;
}
