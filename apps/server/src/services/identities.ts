import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { type Role, groups, memberships, roleAtLeast, users } from "@marginalia/schema/tables";
import { encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import type { Db } from "../db.ts";

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
};

/**
 * A readable pseudonym that is the same for one person across a group's
 * articles and sessions, and that says nothing about who they are: a hash of
 * the group and the user, so it cannot be reversed or guessed from the name.
 */
export function pseudonym(groupId: string, userId: string): string {
  const digest = createHash("sha256").update(`${groupId}:${userId}`).digest();
  return `Participant ${encodeBase32UpperCaseNoPadding(digest).slice(0, 4)}`;
}

/** Whether a member in `role` sees real names in a group with this setting. */
export const seesNames = (anonymousToPeers: boolean, role: Role | null) => !anonymousToPeers || (role !== null && roleAtLeast(role, "moderator"));

/**
 * The names a viewer may see in a group, from one query. `viewer` is null for
 * a process acting on nobody's behalf (notifications being written, exports
 * run from the CLI by an operator), which sees what a member would.
 */
export async function nameBook(db: Db, groupId: string, viewer: { id: string; role: Role | null } | null): Promise<NameBook> {
  const rows = await db
    .select({ userId: users.id, name: users.name, anonymous: groups.anonymousToPeers })
    .from(groups)
    .leftJoin(memberships, eq(memberships.groupId, groups.id))
    .leftJoin(users, eq(users.id, memberships.userId))
    .where(eq(groups.id, groupId));
  const anonymous = rows[0]?.anonymous ?? false;
  const masked = !seesNames(anonymous, viewer?.role ?? null);
  const names = new Map(rows.filter((r) => r.userId !== null).map((r) => [r.userId!, r.name!]));
  const viewerId = viewer?.id ?? null;
  return {
    masked,
    name(userId) {
      if (!userId) return null;
      // Former members keep their pseudonym when masked; unmasked, their name is no longer the group's to show.
      if (!masked || userId === viewerId) return names.get(userId) ?? (masked ? pseudonym(groupId, userId) : null);
      return pseudonym(groupId, userId);
    },
  };
}
