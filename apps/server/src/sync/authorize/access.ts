import { type Actor, type Role, SYNC_CLOSE_CODES, canModerate } from "@marginalia/schema";

/**
 * Changes to who may do what, which reach sockets that are already open
 * (docs/sync.md, "Close codes"). A socket is
 * admitted once, with a credential and a role; each of these events either
 * closes it with a named code or gives it its new role. Every process applies
 * them to its own sockets; the relay carries them to the others.
 */
export type AccessEvent =
  | { kind: "member-removed"; groupId: string; userId: string }
  /** `memberId`: the member's id in the group, so that open documents can count a newcomer at once. */
  | { kind: "role-changed"; groupId: string; userId: string; memberId: string; role: Role }
  | { kind: "sessions-ended"; sessionIds: string[] }
  | { kind: "tokens-revoked"; tokenIds: string[] }
  | { kind: "article-deleted"; articleId: string }
  | { kind: "members-renamed"; groupId: string }
  /** The group's review quorum changed: open sockets write under the new one at once (policy: review boards). */
  | { kind: "quorum-changed"; groupId: string }
  /**
   * The article's text was revised: every process judges targets against the new text from now on
   * (article-text.ts). No socket's rights change; it rides with these so that it reaches every process.
   */
  | { kind: "article-revised"; articleId: string; revision: number; previousLength?: number };

/** What a socket was admitted with: the facts the events above are matched against. */
export type Grant = {
  userId: string;
  groupId: string;
  articleId: string;
  /** The hidden document's sockets, which a member keeps only while a moderator. */
  moderatorsOnly: boolean;
  /**
   * The member id the socket writes and shows presence under, and the group's review quorum it places work by:
   * both change only with a close ("members-renamed", "quorum-changed"), so the database check can tell that
   * one of those events was missed (a relay outage) when they no longer match (access-check.ts).
   */
  memberId: string;
  reviewQuorum: number;
  credential: { via: "session"; sessionId: string } | { via: "token"; tokenId: string };
};

/** What an event means for one socket. */
export type AccessVerdict =
  | { effect: "none" }
  | { effect: "close"; code: number; reason: string }
  | { effect: "actor"; change: Partial<Pick<Actor, "role" | "moderation" | "reviewQuorum">> };

const NONE: AccessVerdict = { effect: "none" };
export const closeFor = {
  removed: { effect: "close", code: SYNC_CLOSE_CODES.forbidden, reason: "no longer a member of this group" },
  sessionEnded: { effect: "close", code: SYNC_CLOSE_CODES.unauthorized, reason: "session ended" },
  tokenRevoked: { effect: "close", code: SYNC_CLOSE_CODES.unauthorized, reason: "token revoked" },
  articleDeleted: { effect: "close", code: SYNC_CLOSE_CODES.gone, reason: "the article was deleted" },
  demoted: { effect: "close", code: SYNC_CLOSE_CODES.forbidden, reason: "no longer a moderator" },
  renamed: { effect: "close", code: SYNC_CLOSE_CODES.membersRenamed, reason: "the group's member ids changed" },
  settingsChanged: { effect: "close", code: SYNC_CLOSE_CODES.settingsChanged, reason: "the group's review quorum changed" },
} as const satisfies Record<string, AccessVerdict>;

export function verdictFor(event: AccessEvent, grant: Grant): AccessVerdict {
  switch (event.kind) {
    case "member-removed":
      return event.groupId === grant.groupId && event.userId === grant.userId ? closeFor.removed : NONE;
    case "role-changed":
      if (event.groupId !== grant.groupId || event.userId !== grant.userId) return NONE;
      return grant.moderatorsOnly && !canModerate(event.role) ? closeFor.demoted : { effect: "actor", change: { role: event.role } };
    case "sessions-ended":
      return grant.credential.via === "session" && event.sessionIds.includes(grant.credential.sessionId) ? closeFor.sessionEnded : NONE;
    case "tokens-revoked":
      return grant.credential.via === "token" && event.tokenIds.includes(grant.credential.tokenId) ? closeFor.tokenRevoked : NONE;
    case "article-deleted":
      return event.articleId === grant.articleId ? closeFor.articleDeleted : NONE;
    case "members-renamed":
      return event.groupId === grant.groupId ? closeFor.renamed : NONE;
    case "quorum-changed":
      // Closed rather than updated in place: a client places new work by the group's settings, and one that
      // went on with the old ones would write what the socket now refuses, and lose it (docs/sync.md).
      return event.groupId === grant.groupId ? closeFor.settingsChanged : NONE;
    case "article-revised":
      return NONE;
  }
}

/** Parses an event that came over the relay; anything else is null. */
export function parseAccessEvent(json: string): AccessEvent | null {
  try {
    const value = JSON.parse(json) as AccessEvent;
    const kinds: ReadonlyArray<AccessEvent["kind"]> = ["member-removed", "role-changed", "sessions-ended", "tokens-revoked", "article-deleted", "members-renamed", "quorum-changed", "article-revised"];
    return value && typeof value === "object" && kinds.includes(value.kind) ? value : null;
  } catch {
    return null;
  }
}
