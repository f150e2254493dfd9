import { createHash } from "node:crypto";
import { encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { and, eq, inArray } from "drizzle-orm";
import { memberIds } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";

/**
 * A group's member ids both ways (member_ids in packages/schema): what a
 * response or a document says in place of an account id, and the account
 * behind an id a client sends. Former members are included, so that their
 * work keeps its author.
 */
export class MemberIds {
  private readonly byAccount = new Map<string, string>();
  private readonly byMember = new Map<string, string>();

  constructor(rows: Iterable<{ userId: string; memberId: string }> = []) {
    for (const row of rows) this.add(row.userId, row.memberId);
  }

  add(userId: string, memberId: string) {
    this.byAccount.set(userId, memberId);
    this.byMember.set(memberId, userId);
  }

  addAll(other: MemberIds) {
    for (const [userId, memberId] of other.byAccount) this.add(userId, memberId);
  }

  /** The member id of an account; null for one that never belonged to the group. */
  memberOf(userId: string | null | undefined): string | null {
    return userId ? (this.byAccount.get(userId) ?? null) : null;
  }

  /** The account behind a member id; null for an id the group never gave. */
  accountOf(memberId: string | null | undefined): string | null {
    return memberId ? (this.byMember.get(memberId) ?? null) : null;
  }
}

/** One account's member id in a group; null when it never belonged. */
export async function memberIdOf(db: Db, groupId: string, userId: string): Promise<string | null> {
  return (await memberIdsOf(db, groupId, [userId])).memberOf(userId);
}

/** Every member id a group ever gave, or those of `userIds` only. */
export async function memberIdsOf(db: Db, groupId: string, userIds?: readonly string[]): Promise<MemberIds> {
  if (userIds && userIds.length === 0) return new MemberIds();
  const rows = await db
    .select({ userId: memberIds.userId, memberId: memberIds.memberId })
    .from(memberIds)
    .where(userIds ? and(eq(memberIds.groupId, groupId), inArray(memberIds.userId, [...userIds])) : eq(memberIds.groupId, groupId));
  return new MemberIds(rows);
}

/** The accounts behind member ids a client sent, or null naming the first the group never gave. */
export async function accountsFor(db: Db, groupId: string, ids: readonly string[]): Promise<{ accounts: string[] } | { unknown: string }> {
  if (ids.length === 0) return { accounts: [] };
  const rows = await db
    .select({ userId: memberIds.userId, memberId: memberIds.memberId })
    .from(memberIds)
    .where(and(eq(memberIds.groupId, groupId), inArray(memberIds.memberId, [...ids])));
  const book = new MemberIds(rows);
  const accounts: string[] = [];
  for (const id of ids) {
    const account = book.accountOf(id);
    if (!account) return { unknown: id };
    accounts.push(account);
  }
  return { accounts };
}

/**
 * A readable pseudonym that is the same for one person across a group's
 * articles and sessions, and that says nothing about who they are: a hash of
 * the group and the member id (random in an anonymous group), so it cannot
 * be reversed, or checked against an account id known from elsewhere.
 */
export function pseudonym(groupId: string, memberId: string): string {
  const digest = createHash("sha256").update(`${groupId}:${memberId}`).digest();
  return `Participant ${encodeBase32UpperCaseNoPadding(digest).slice(0, 4)}`;
}
