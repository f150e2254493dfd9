import { and, eq, inArray } from "drizzle-orm";
import { type Role, groups, memberIds, memberships, roleAtLeast, users } from "@marginalia/schema/tables";
import { MemberIds, pseudonym } from "../access/member-ids.ts";
import type { Db, Tx } from "../db.ts";

/**
 * What a viewer may call another user. In a group that is anonymous to peers,
 * members see a stable pseudonym for everyone but themselves; owners and
 * moderators always see names. Every response that names a person in a
 * group's context goes through one of these, so the rule lives here once.
 */
export type NameBook = {
  /** True when names are replaced by pseudonyms for this viewer. */
  readonly masked: boolean;
  /** The name to show for `userId`, or null for an unknown or deleted account. */
  name(userId: string | null | undefined): string | null;
  /** The id to show for `userId`: its member id in the group (member_ids), or null when it never belonged. */
  id(userId: string | null | undefined): string | null;
  /** Both, as a response names a person. */
  person(userId: string | null | undefined): { id: string | null; name: string | null };
  /** The same for someone a document names, by member id. */
  member(memberId: string): { id: string; name: string | null };
};


/** Whether a member in `role` sees real names in a group with this setting. */
export const seesNames = (anonymousToPeers: boolean, role: Role | null) => !anonymousToPeers || (role !== null && roleAtLeast(role, "moderator"));

/** A user id no account has: what an empty `only` asks for. */
const NO_ONE = "00000000-0000-0000-0000-000000000000";

/**
 * The names a viewer may see in a group, from one query. `viewer` is null for
 * a process acting on nobody's behalf (notifications being written, exports
 * run from the CLI by an operator), which sees what a member would; a viewer
 * without an id is a role's view of everyone (a moderator's queue and log).
 */
export async function nameBook(
  db: Db | Tx,
  groupId: string,
  viewer: { id?: string; role: Role | null } | null,
  /**
   * The only accounts that will be asked about, when known: the group's whole roster is read otherwise. An
   * account outside them would be named from its account id, so callers ask about nothing else.
   */
  only?: readonly string[],
): Promise<NameBook> {
  const rows = await db
    .select({ userId: memberIds.userId, memberId: memberIds.memberId, name: users.name, anonymous: groups.anonymousToPeers })
    .from(groups)
    .leftJoin(memberIds, and(eq(memberIds.groupId, groups.id), only ? inArray(memberIds.userId, only.length ? [...only] : [NO_ONE]) : undefined))
    .leftJoin(memberships, and(eq(memberships.groupId, memberIds.groupId), eq(memberships.userId, memberIds.userId)))
    .leftJoin(users, eq(users.id, memberships.userId))
    .where(eq(groups.id, groupId));
  const anonymous = rows[0]?.anonymous ?? false;
  const masked = !seesNames(anonymous, viewer?.role ?? null);
  const names = new Map(rows.filter((r) => r.userId !== null && r.name !== null).map((r) => [r.userId!, r.name!]));
  const ids = new MemberIds(rows.filter((r) => r.userId !== null && r.memberId !== null) as Array<{ userId: string; memberId: string }>);
  const viewerId = viewer?.id ?? null;
  const name = (userId: string | null | undefined) => {
    if (!userId) return null;
    // Former members keep their pseudonym when masked; unmasked, their name is no longer the group's to show.
    // From the member id, which is random where it matters: a pseudonym of the account id could be checked
    // against a guess by anyone who knows that id from elsewhere.
    const alias = ids.memberOf(userId) ?? userId;
    if (!masked || userId === viewerId) return names.get(userId) ?? (masked ? pseudonym(groupId, alias) : null);
    return pseudonym(groupId, alias);
  };
  const id = (userId: string | null | undefined) => ids.memberOf(userId);
  return {
    masked,
    name,
    id,
    person: (userId) => ({ id: id(userId), name: name(userId) }),
    member: (memberId) => {
      const account = ids.accountOf(memberId);
      return { id: memberId, name: account ? name(account) : masked ? pseudonym(groupId, memberId) : null };
    },
  };
}
