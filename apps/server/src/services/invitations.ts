import { randomUUID } from "node:crypto";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { type Role, groupInvitations, groups, memberships, users } from "@marginalia/schema/tables";
import { requireRoleLocked } from "../access/membership.ts";
import { type Db, type Tx, boundLockWaits } from "../db.ts";
import { ApiError, notFound } from "../errors.ts";
import type { Mailer } from "../mail/mailer.ts";
import { invitationMail } from "../mail/templates.ts";
import { nameBook } from "./identities.ts";

/** How long an invitation stays open; inviting the same address again starts the clock anew. */
export const INVITATION_DAYS = 14;

const pending = and(isNull(groupInvitations.acceptedAt), isNull(groupInvitations.declinedAt));

/**
 * An invitation speaks for the owner who sent it, and only while they are
 * one: once they are removed, step down or delete their account, what they
 * sent can no longer be accepted, or it would hand their old authority (up to
 * ownership) to whoever they chose on their way out.
 */
const inviterIsOwner = sql`exists (select 1 from ${memberships} where ${memberships.groupId} = ${groupInvitations.groupId}
  and ${memberships.userId} = ${groupInvitations.invitedBy} and ${memberships.role} = 'owner')`;

/** Withdraws the open invitations an owner sent, as they stop being one (in the transaction that ends it). */
export async function withdrawInvitationsBy(tx: Tx, groupId: string, userId: string) {
  await tx.delete(groupInvitations).where(and(eq(groupInvitations.groupId, groupId), eq(groupInvitations.invitedBy, userId), pending));
}
const freshExpiry = () => new Date(Date.now() + INVITATION_DAYS * 24 * 60 * 60 * 1000);

export type InvitationView = { id: string; email: string; role: Role; status: "pending"; expiresAt: Date };

/**
 * Invites an address into a group, or refreshes the open invitation it
 * already has (new role, new inviter, new expiry).
 *
 * The answer must not tell the inviter whether an account uses this address,
 * so nothing here looks the address up among accounts: the invitation is
 * stored either way and only the account that signs in with it will ever see
 * it. The one exception is an address that already belongs to a member —
 * which the inviter can read in the members list anyway — where nothing is
 * stored and the answer merely has the same shape. A stored invitation is
 * mailed to the address (after the answer is decided, never holding it).
 */
export async function inviteMember(
  db: Db,
  groupId: string,
  invitedBy: string,
  input: { email: string; role: Role },
  mail: { mailer: Mailer; origin: string },
): Promise<InvitationView> {
  const email = input.email.trim().toLowerCase();
  const expiresAt = freshExpiry();
  const invitation = await db.transaction(async (tx) => {
    // Still an owner as it is stored (access/membership.ts, requireRoleLocked), or nothing is stored or mailed.
    await requireRoleLocked(tx, groupId, invitedBy, "owner");
    const [member] = await tx
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.groupId, groupId), eq(users.email, email)));
    if (member) return { view: { id: randomUUID(), email, role: input.role, status: "pending" as const, expiresAt }, group: null };
    const [row] = await tx
      .insert(groupInvitations)
      .values({ groupId, email, role: input.role, invitedBy, expiresAt })
      .onConflictDoUpdate({
        target: [groupInvitations.groupId, groupInvitations.email],
        targetWhere: pending,
        set: { role: input.role, invitedBy, expiresAt },
      })
      .returning({ id: groupInvitations.id, email: groupInvitations.email, role: groupInvitations.role, expiresAt: groupInvitations.expiresAt });
    const [group] = await tx.select({ name: groups.name }).from(groups).where(eq(groups.id, groupId));
    // The same keys in the same order as the answer for a current member's address above, byte for byte.
    const view = { id: row!.id, email: row!.email, role: row!.role, status: "pending" as const, expiresAt: row!.expiresAt };
    return { view, group: group!.name };
  });
  if (invitation.group !== null) mail.mailer.send(invitationMail(mail.origin, email, invitation.group, input.role));
  return invitation.view;
}

/** A group's open invitations, expired ones included (an owner may want to send them again). Addresses only: no account is named. */
export async function listGroupInvitations(db: Db, groupId: string) {
  const rows = await db
    .select({
      id: groupInvitations.id,
      email: groupInvitations.email,
      role: groupInvitations.role,
      createdAt: groupInvitations.createdAt,
      expiresAt: groupInvitations.expiresAt,
      expired: sql<boolean>`${groupInvitations.expiresAt} <= now()`,
    })
    .from(groupInvitations)
    .where(and(eq(groupInvitations.groupId, groupId), pending, inviterIsOwner))
    .orderBy(asc(groupInvitations.createdAt), asc(groupInvitations.email));
  return rows.map(({ expired, ...r }) => ({ ...r, status: expired ? ("expired" as const) : ("pending" as const) }));
}

/** Withdraws an open invitation, if `actor` is still an owner; answered ones are history and stay. */
export async function revokeInvitation(db: Db, groupId: string, invitationId: string, actor: string) {
  await db.transaction(async (tx) => {
    await requireRoleLocked(tx, groupId, actor, "owner");
    const deleted = await tx
      .delete(groupInvitations)
      .where(and(eq(groupInvitations.id, invitationId), eq(groupInvitations.groupId, groupId), pending))
      .returning({ id: groupInvitations.id });
    if (deleted.length === 0) throw notFound("Invitation");
  });
}

/**
 * The open, unexpired invitations addressed to this account's email. The
 * inviter is named only as the group would name them to someone who is not
 * yet a member: in a group anonymous to peers, by pseudonym.
 */
export async function listMyInvitations(db: Db, user: { id: string; email: string }) {
  const rows = await db
    .select({
      id: groupInvitations.id,
      groupId: groupInvitations.groupId,
      groupName: groups.name,
      role: groupInvitations.role,
      invitedBy: groupInvitations.invitedBy,
      createdAt: groupInvitations.createdAt,
      expiresAt: groupInvitations.expiresAt,
    })
    .from(groupInvitations)
    .innerJoin(groups, eq(groups.id, groupInvitations.groupId))
    .where(and(eq(groupInvitations.email, user.email.toLowerCase()), pending, inviterIsOwner, gt(groupInvitations.expiresAt, sql`now()`)))
    .orderBy(asc(groupInvitations.createdAt));
  return Promise.all(
    rows.map(async ({ invitedBy, ...r }) => {
      const book = await nameBook(db, r.groupId, { id: user.id, role: null });
      return { ...r, invitedBy: book.name(invitedBy) };
    }),
  );
}

/**
 * Loads an invitation for its invitee to answer. Someone else's invitation
 * is "not found", exactly like one that never existed or was revoked, so
 * nobody can learn of invitations meant for others.
 *
 * Locks in the order removing or demoting a member does (services/groups.ts,
 * `lockMembership`): the group's row first, then the invitation. Taken the
 * other way round, an accept held the invitation and waited for the group
 * (the new membership refers to it) while a removal of the inviter held the
 * group and waited for the invitation, and Postgres ended one as a deadlock.
 */
async function openInvitation(tx: Tx, invitationId: string, user: { email: string }) {
  const [target] = await tx
    .select({ groupId: groupInvitations.groupId, email: groupInvitations.email })
    .from(groupInvitations)
    .where(eq(groupInvitations.id, invitationId));
  if (!target || target.email !== user.email.toLowerCase()) throw notFound("Invitation");
  await boundLockWaits(tx);
  await tx.select({ id: groups.id }).from(groups).where(eq(groups.id, target.groupId)).for("share");
  const [row] = await tx
    .select({
      groupId: groupInvitations.groupId,
      role: groupInvitations.role,
      email: groupInvitations.email,
      invitedBy: groupInvitations.invitedBy,
      acceptedAt: groupInvitations.acceptedAt,
      declinedAt: groupInvitations.declinedAt,
      expired: sql<boolean>`${groupInvitations.expiresAt} <= now()`,
    })
    .from(groupInvitations)
    .where(eq(groupInvitations.id, invitationId))
    .for("update");
  if (!row || row.email !== user.email.toLowerCase()) throw notFound("Invitation");
  if (row.acceptedAt) throw new ApiError("conflict", "This invitation was already accepted");
  if (row.declinedAt) throw new ApiError("conflict", "This invitation was already declined");
  if (row.expired) throw new ApiError("invitation_expired", "This invitation has expired; ask the group's owner for a new one");
  // Shared, so that the inviter's removal or demotion waits for this answer, or this answer for it.
  const [inviter] = row.invitedBy
    ? await tx
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.groupId, row.groupId), eq(memberships.userId, row.invitedBy)))
        .for("share")
    : [];
  if (inviter?.role !== "owner") throw notFound("Invitation");
  return row;
}

/**
 * Accepts an invitation: the invitee becomes a member in the invited role.
 * Someone who is already a member (added while the invitation was open)
 * keeps the role they have; `created` says whether a membership was made.
 */
export async function acceptInvitation(db: Db, invitationId: string, user: { id: string; email: string }) {
  return db.transaction(async (tx) => {
    const invitation = await openInvitation(tx, invitationId, user);
    await tx.update(groupInvitations).set({ acceptedAt: sql`now()` }).where(eq(groupInvitations.id, invitationId));
    const inserted = await tx
      .insert(memberships)
      .values({ groupId: invitation.groupId, userId: user.id, role: invitation.role })
      .onConflictDoNothing()
      .returning({ role: memberships.role, since: memberships.createdAt });
    const membership =
      inserted[0] ??
      (
        await tx
          .select({ role: memberships.role, since: memberships.createdAt })
          .from(memberships)
          .where(and(eq(memberships.groupId, invitation.groupId), eq(memberships.userId, user.id)))
      )[0]!;
    return { created: inserted.length > 0, membership: { groupId: invitation.groupId, userId: user.id, ...membership } };
  });
}

export async function declineInvitation(db: Db, invitationId: string, user: { email: string }) {
  await db.transaction(async (tx) => {
    await openInvitation(tx, invitationId, user);
    await tx.update(groupInvitations).set({ declinedAt: sql`now()` }).where(eq(groupInvitations.id, invitationId));
  });
}
