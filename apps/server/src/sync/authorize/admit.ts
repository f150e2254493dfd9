import { and, eq } from "drizzle-orm";
import { SYNC_CLOSE_CODES, parseRoom } from "@marginalia/schema";
import { articles, groups, memberIds, memberships } from "@marginalia/schema/tables";
import { authFromApiToken, authFromSessionCookies } from "../../auth/credentials.ts";
import { isAllowedOrigin } from "../../auth/origin.ts";
import type { Auth } from "../../context.ts";
import type { Db } from "../../db.ts";
import { pseudonym } from "../../access/member-ids.ts";
import type { Grant } from "./access.ts";
import { type Identity, colorFor } from "../presence/awareness.ts";
import { type Actor, canModerate } from "@marginalia/schema";
import { type DocContext, contextFor } from "../../documents/context.ts";

export type AdmissionRequest = {
  room: string;
  /** `?token=`: an API token, for clients that cannot send cookies; never a session (docs/sync.md, "Connect"). */
  token?: string | undefined;
  /** The request's cookies of the session's name (auth/credentials.ts, sessionAmong). */
  sessionCookies?: string[] | undefined;
  origin?: string | undefined;
};

export type Admission =
  /** `actor` is the member as the group's documents know them (a member id); `grant.userId` is their account. */
  | { ok: true; actor: Actor; identity: Identity; context: DocContext; grant: Grant }
  | { ok: false; code: number; reason: string };

const refuse = (code: number, reason: string): Admission => ({ ok: false, code, reason });

/**
 * Decides, before any document is loaded, whether this socket may join this
 * room and with which role.
 */
export async function admit(db: Db, publicOrigin: string, request: AdmissionRequest): Promise<Admission> {
  if (request.origin && !isAllowedOrigin(request.origin, publicOrigin)) {
    return refuse(SYNC_CLOSE_CODES.forbidden, "origin not allowed");
  }
  const auth = await authenticate(db, request);
  if (!auth) return refuse(SYNC_CLOSE_CODES.unauthorized, "sign in, or pass an API token as ?token=");
  const room = parseRoom(request.room);
  if (!room) return refuse(SYNC_CLOSE_CODES.notFound, "no such room");
  if (room.kind === "private" && room.userId !== auth.user.id) {
    return refuse(SYNC_CLOSE_CODES.forbidden, "a private document is its owner's alone");
  }
  const [row] = await db
    .select({
      groupId: articles.groupId,
      revision: articles.currentRevision,
      role: memberships.role,
      memberId: memberIds.memberId,
      moderation: groups.moderation,
      reviewQuorum: groups.reviewQuorum,
      anonymous: groups.anonymousToPeers,
    })
    .from(articles)
    .innerJoin(groups, eq(groups.id, articles.groupId))
    .innerJoin(memberships, and(eq(memberships.groupId, articles.groupId), eq(memberships.userId, auth.user.id)))
    .innerJoin(memberIds, and(eq(memberIds.groupId, articles.groupId), eq(memberIds.userId, auth.user.id)))
    .where(eq(articles.id, room.articleId));
  // One answer for "no such article" and "not your group", as the REST API gives 404 for both.
  if (!row) return refuse(SYNC_CLOSE_CODES.forbidden, "not a member of this article's group");
  if (room.kind === "hidden" && !canModerate(row.role)) return refuse(SYNC_CLOSE_CODES.forbidden, "what moderators hid is for moderators only");
  return {
    ok: true,
    actor: { userId: row.memberId, role: row.role, moderation: row.moderation, reviewQuorum: row.reviewQuorum, room },
    // Awareness reaches everyone on the document alike, so an anonymous group
    // stamps the pseudonym for all; moderators' clients map the member id to a name.
    identity: {
      id: row.memberId,
      name: row.anonymous ? pseudonym(row.groupId, row.memberId) : auth.user.name,
      color: colorFor(row.memberId),
    },
    context: contextFor(room, row.groupId, row.revision),
    grant: {
      userId: auth.user.id,
      groupId: row.groupId,
      articleId: room.articleId,
      moderatorsOnly: room.kind === "hidden",
      memberId: row.memberId,
      reviewQuorum: row.reviewQuorum,
      credential: auth.via === "session" ? { via: "session", sessionId: auth.sessionId } : { via: "token", tokenId: auth.tokenId },
    },
  };
}


async function authenticate(db: Db, request: AdmissionRequest): Promise<Auth | null> {
  // A session never travels in a URL, which logs and proxies keep: ?token= takes API tokens only.
  if (request.token) return request.token.startsWith("mgt_") ? authFromApiToken(db, request.token) : null;
  return request.sessionCookies?.length ? authFromSessionCookies(db, request.sessionCookies) : null;
}
