import { and, asc, count, eq, sql } from "drizzle-orm";
import {
  type ModerationMode,
  type Role,
  annotationTombstones,
  annotations,
  articles,
  groups,
  memberIds,
  memberships,
  users,
} from "@marginalia/schema/tables";
import { membershipOf, requireRole } from "../access/membership.ts";
import { type Db, type Tx, boundLockWaits, isUniqueViolation } from "../db.ts";
import { ApiError, notFound } from "../errors.ts";
import { nameBook } from "./identities.ts";
import { withdrawInvitationsBy } from "./invitations.ts";
import { withdrawWebhooksBy } from "./webhooks.ts";

/** A name as ASCII letters, digits and dashes; `fallback` when none of it is ASCII (a Greek or Persian name). */
export function slugify(name: string, fallback = "group"): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return slug || fallback;
}

export async function createGroup(
  db: Db,
  ownerId: string,
  input: { name: string; moderation: ModerationMode },
) {
  const base = slugify(input.name);
  // A taken slug gets a short random suffix; a few tries make a clash vanishingly unlikely.
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${Math.random().toString(36).slice(2, 7)}`;
    try {
      return await db.transaction(async (tx) => {
        const [group] = await tx
          .insert(groups)
          .values({ name: input.name, slug, moderation: input.moderation, createdBy: ownerId })
          .returning();
        await tx.insert(memberships).values({ groupId: group!.id, userId: ownerId, role: "owner" });
        return { ...group!, role: "owner" as Role };
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  throw new ApiError("conflict", "Could not find a free slug for this name", "name");
}

export function listGroupsOf(db: Db, userId: string) {
  return db
    .select({
      id: groups.id,
      name: groups.name,
      slug: groups.slug,
      moderation: groups.moderation,
      anonymousToPeers: groups.anonymousToPeers,
      reviewQuorum: groups.reviewQuorum,
      createdAt: groups.createdAt,
      role: memberships.role,
    })
    .from(memberships)
    .innerJoin(groups, eq(groups.id, memberships.groupId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(groups.name));
}

export async function getGroup(db: Db, groupId: string) {
  const [group] = await db.select().from(groups).where(eq(groups.id, groupId));
  if (!group) throw notFound("Group");
  return group;
}

/** A group as members see it: who created it is an account id, which in an anonymous group would link them. */
export const presentGroup = <G extends { createdBy: string | null }>({ createdBy: _createdBy, ...group }: G) => group;

/**
 * The members as `viewer` may see them: in a group anonymous to peers, a
 * member sees pseudonyms and no emails for everyone but themselves. Sorted by
 * the name shown, so the order says nothing about the real names either.
 */
export async function listMembers(db: Db, groupId: string, viewer: { id: string; role: Role }) {
  const [rows, book] = await Promise.all([
    db
      .select({ userId: users.id, email: users.email, role: memberships.role, since: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.groupId, groupId)),
    nameBook(db, groupId, viewer),
  ]);
  return rows
    .map((m) => {
      const self = m.userId === viewer.id;
      const shown = !book.masked || self;
      // By member id, never the account's: that is what documents and presence carry too.
      return { id: book.id(m.userId)!, self, name: book.name(m.userId)!, email: shown ? m.email : null, role: m.role, since: m.since };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export type GroupSettings = { anonymousToPeers?: boolean | undefined; reviewQuorum?: number | undefined };

/**
 * Changes a group's settings. A review quorum only means something where
 * submissions wait for a moderator, so it needs a pre-moderated group; the
 * moderation mode itself is fixed at creation, since changing it would
 * strand pending submissions or publish them without review. `actor` must
 * still be an owner when the change is made.
 */
export async function updateSettings(db: Db, groupId: string, settings: GroupSettings, actor: string) {
  // One change of a group's settings at a time in a process: each may wait for the group's row holding a
  // pool connection, and a pile of them (one every 100 ms during an import) took the whole pool.
  if (changingSettings.has(groupId)) throw SETTINGS_BUSY;
  changingSettings.add(groupId);
  try {
    return await changeSettings(db, groupId, settings, actor);
  } finally {
    changingSettings.delete(groupId);
  }
}

/** Groups whose settings this process is changing now (updateSettings). */
const changingSettings = new Set<string>();
const SETTINGS_BUSY = Object.assign(new ApiError("unavailable", "Another change of this group's settings is under way; try again shortly"), { retryAfterSeconds: 2 });

function changeSettings(db: Db, groupId: string, settings: GroupSettings, actor: string) {
  return db.transaction(async (tx) => {
    await boundLockWaits(tx);
    // The row first, as a no-key update (which a commit's foreign keys, key share, do not wait for), and only
    // then the member ids: waiting for the row (an import holds it shared for seconds) while holding them
    // would hold every commit of the group, and with it every batch (docs/architecture.md, "Lock waits").
    const [group] = await tx.select().from(groups).where(eq(groups.id, groupId)).for("no key update");
    if (!group) throw notFound("Group");
    if (settings.anonymousToPeers === true) await waitForWritesUnderMemberIds(tx, groupId);
    // Under the lock a demotion takes too: an owner demoted since the request's check changes nothing.
    await requireRole(tx, groupId, actor, "owner");
    if ((settings.reviewQuorum ?? 1) > 1 && group.moderation !== "pre") {
      throw new ApiError("validation_failed", "reviewQuorum: a review quorum needs a pre-moderated group", "reviewQuorum");
    }
    const renamed = settings.anonymousToPeers === true && !group.anonymousToPeers;
    if (renamed) await renameMembers(tx, groupId);
    const [updated] = await tx.update(groups).set(settings).where(eq(groups.id, groupId)).returning();
    return { group: updated!, renamed, quorumChanged: updated!.reviewQuorum !== group.reviewQuorum };
  });
}

/** How long the switch may wait for (and so hold up) the group's commits, and for each lock after. */
const MEMBER_IDS_LOCK_TIMEOUT_MS = 1_000;

/**
 * Holds the group's member ids still until the transaction ends: commits that carry writes made under them
 * hold the lock's shared side (`marginalia_writers_current`, drizzle/0026), so the check for annotations
 * below runs after those commits and sees what they wrote, and those that come after find the new ids and
 * refuse what was written under the old (docs/architecture.md, "Member ids").
 */
async function waitForWritesUnderMemberIds(tx: Tx, groupId: string) {
  // Queued for the lock, the switch holds up the group's commits (a shared lock waits behind an exclusive
  // waiter), and from then until the transaction ends: each wait after it is bounded shorter.
  await boundLockWaits(tx, MEMBER_IDS_LOCK_TIMEOUT_MS);
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('member-ids:' || ${groupId}::uuid::text))`);
}

/**
 * Turning anonymity on draws every member a random member id (member_ids),
 * which is possible only before the group's first annotation: the documents
 * name authors by member id, and what was written under an account's id
 * would keep linking it. Client-id claims were made under the old ids.
 */
async function renameMembers(tx: Tx, groupId: string) {
  const [work] = await tx
    .select({ id: annotations.id })
    .from(annotations)
    .where(eq(annotations.groupId, groupId))
    .unionAll(
      tx
        .select({ id: annotationTombstones.id })
        .from(annotationTombstones)
        .innerJoin(articles, eq(articles.id, annotationTombstones.articleId))
        .where(eq(articles.groupId, groupId)),
    )
    .limit(1);
  if (work) {
    throw new ApiError("conflict", "anonymousToPeers: anonymity can be turned on only before the group's first annotation", "anonymousToPeers");
  }
  await tx.update(memberIds).set({ memberId: sql`gen_random_uuid()` }).where(eq(memberIds.groupId, groupId));
  await tx.execute(sql`delete from doc_client_ids where doc_name in (
    select d.doc_name from doc_client_ids d join articles a on d.doc_name like 'article:' || a.id || '%' where a.group_id = ${groupId})`);
}

/**
 * Role changes and removals that would leave a group without an owner are refused. `actor` is who asks:
 * their role is checked again under the group's lock, so an owner demoted or removed while their requests
 * were on the way cannot act as one (nor undo their own demotion).
 */
export async function changeRole(db: Db, groupId: string, userId: string, role: Role, actor: string) {
  return db.transaction(async (tx) => {
    const current = await lockMembership(tx, groupId, userId);
    await requireRole(tx, groupId, actor, "owner");
    if (current === "owner" && role !== "owner") {
      await assertAnotherOwner(tx, groupId);
      await withdrawInvitationsBy(tx, groupId, userId);
      await withdrawWebhooksBy(tx, groupId, userId);
    }
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
    return { userId, role };
  });
}

/** Anyone may leave; removing someone else takes an owner, checked as changeRole checks it. */
export async function removeMember(db: Db, groupId: string, userId: string, actor: string) {
  await db.transaction(async (tx) => {
    const current = await lockMembership(tx, groupId, userId);
    if (actor !== userId) await requireRole(tx, groupId, actor, "owner");
    if (current === "owner") {
      await assertAnotherOwner(tx, groupId);
      await withdrawInvitationsBy(tx, groupId, userId);
      await withdrawWebhooksBy(tx, groupId, userId);
    }
    await tx.delete(memberships).where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
  });
}

async function lockMembership(tx: Tx, groupId: string, userId: string): Promise<Role> {
  await boundLockWaits(tx);
  // Locking the group row serialises concurrent owner changes within one group.
  await tx.select({ id: groups.id }).from(groups).where(eq(groups.id, groupId)).for("update");
  const found = await membershipOf(tx, groupId, userId);
  if (!found) throw notFound("Member");
  return found.role;
}

async function assertAnotherOwner(tx: Tx, groupId: string) {
  const [row] = await tx
    .select({ owners: count() })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), eq(memberships.role, "owner")));
  if ((row?.owners ?? 0) < 2) throw new ApiError("conflict", "A group needs at least one owner", "role");
}
