import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { canModerate } from "@marginalia/schema";
import { apiTokens, articles, groups, memberIds, memberships, roleAtLeast, sessions } from "@marginalia/schema/tables";
import { MemberIds } from "../../access/member-ids.ts";
import { SESSION_INACTIVITY_TIMEOUT_MS } from "../../auth/sessions.ts";
import type { Db } from "../../db.ts";
import { type AccessVerdict, type Grant, closeFor } from "./access.ts";

/**
 * Each group's member ids (every one it gave, former members' too) and, among
 * them, the members who may answer an assignment: annotators and up.
 */
export async function groupMembersOf(db: Db, groupIds: readonly string[]): Promise<Map<string, { ids: MemberIds; answerers: Set<string> }>> {
  const byGroup = new Map(groupIds.map((id) => [id, { ids: new MemberIds(), answerers: new Set<string>() }]));
  if (groupIds.length === 0) return byGroup;
  const rows = await db
    .select({ groupId: memberIds.groupId, userId: memberIds.userId, memberId: memberIds.memberId, role: memberships.role })
    .from(memberIds)
    .leftJoin(memberships, and(eq(memberships.groupId, memberIds.groupId), eq(memberships.userId, memberIds.userId)))
    .where(inArray(memberIds.groupId, [...groupIds]));
  for (const row of rows) {
    const group = byGroup.get(row.groupId);
    if (!group) continue;
    group.ids.add(row.userId, row.memberId);
    if (row.role && roleAtLeast(row.role, "annotator")) group.answerers.add(row.memberId);
  }
  return byGroup;
}

/**
 * What the database says now about the grants of open sockets: for each, the
 * verdict that brings it up to date (a close, or its current role and
 * moderation mode). The hub runs this now and then and after a relay
 * reconnect: it catches what no event announced (a session that expired, a
 * token revoked from the command line, an event lost while Redis was away).
 * Every access event that closes or changes sockets has its equivalent here,
 * with the same code and reason: a member id or review quorum other than the
 * socket joined under is a "members-renamed" or "quorum-changed" it missed.
 * Four queries and one pass, whatever the number of sockets.
 */
export async function currentAccess(db: Db, grants: readonly Grant[]): Promise<Map<Grant, AccessVerdict>> {
  const verdicts = new Map<Grant, AccessVerdict>();
  if (grants.length === 0) return verdicts;
  const unique = <T,>(values: T[]) => [...new Set(values)];
  const sessionIds = unique(grants.flatMap((g) => (g.credential.via === "session" ? [g.credential.sessionId] : [])));
  const tokenIds = unique(grants.flatMap((g) => (g.credential.via === "token" ? [g.credential.tokenId] : [])));
  const [{ sessionsLeft, tokensLeft }, roles, liveArticles] = await Promise.all([
    liveCredentials(db, sessionIds, tokenIds),
    db
      .select({
        groupId: memberships.groupId,
        userId: memberships.userId,
        role: memberships.role,
        moderation: groups.moderation,
        reviewQuorum: groups.reviewQuorum,
        memberId: memberIds.memberId,
      })
      .from(memberships)
      .innerJoin(groups, eq(groups.id, memberships.groupId))
      // Left: a membership whose member id is missing is not a removal (4403 would have its client discard its work).
      .leftJoin(memberIds, and(eq(memberIds.groupId, memberships.groupId), eq(memberIds.userId, memberships.userId)))
      .where(and(inArray(memberships.groupId, unique(grants.map((g) => g.groupId))), inArray(memberships.userId, unique(grants.map((g) => g.userId))))),
    db.select({ id: articles.id }).from(articles).where(inArray(articles.id, unique(grants.map((g) => g.articleId)))),
  ]);
  const articlesLeft = new Set(liveArticles.map((a) => a.id));
  const membership = new Map(roles.map((r) => [`${r.groupId}:${r.userId}`, r]));
  for (const grant of grants) {
    const member = membership.get(`${grant.groupId}:${grant.userId}`);
    const credential = grant.credential;
    verdicts.set(
      grant,
      credential.via === "session" && !sessionsLeft.has(credential.sessionId)
        ? closeFor.sessionEnded
        : credential.via === "token" && !tokensLeft.has(credential.tokenId)
          ? closeFor.tokenRevoked
          : !articlesLeft.has(grant.articleId)
            ? closeFor.articleDeleted
            : !member
              ? closeFor.removed
              : grant.moderatorsOnly && !canModerate(member.role)
                ? closeFor.demoted
                : member.memberId !== grant.memberId
                  ? closeFor.renamed
                  : member.reviewQuorum !== grant.reviewQuorum
                    ? closeFor.settingsChanged
                    : { effect: "actor", change: { role: member.role, moderation: member.moderation } },
    );
  }
  return verdicts;
}

/**
 * Which of these sessions are still active and which API tokens are not
 * revoked: what a socket or a notification stream opened with may go on with.
 */
export async function liveCredentials(db: Db, sessionIds: readonly string[], tokenIds: readonly string[]) {
  const activeSince = new Date(Date.now() - SESSION_INACTIVITY_TIMEOUT_MS);
  const [liveSessions, liveTokens] = await Promise.all([
    sessionIds.length
      ? db.select({ id: sessions.id }).from(sessions).where(and(inArray(sessions.id, [...sessionIds]), gt(sessions.lastVerifiedAt, activeSince)))
      : [],
    tokenIds.length ? db.select({ id: apiTokens.id }).from(apiTokens).where(and(inArray(apiTokens.id, [...tokenIds]), isNull(apiTokens.revokedAt))) : [],
  ]);
  return { sessionsLeft: new Set(liveSessions.map((s) => s.id)), tokensLeft: new Set(liveTokens.map((t) => t.id)) };
}
