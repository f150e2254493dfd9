import { and, asc, count, eq } from "drizzle-orm";
import {
  type ModerationMode,
  type Role,
  groups,
  memberships,
  users,
} from "@marginalia/schema/tables";
import { type Db, type Tx, isUniqueViolation } from "../db.ts";
import { ApiError, notFound } from "../errors.ts";
import { findUserByEmail } from "./users.ts";

export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return slug || "group";
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

export function listMembers(db: Db, groupId: string) {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.groupId, groupId))
    .orderBy(asc(users.name));
}

export async function addMember(db: Db, groupId: string, input: { email: string; role: Role }) {
  const user = await findUserByEmail(db, input.email);
  if (!user) throw new ApiError("not_found", "No account has this email; ask them to sign up first", "email");
  try {
    await db.insert(memberships).values({ groupId, userId: user.id, role: input.role });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "Already a member", "email");
    throw err;
  }
  return { userId: user.id, name: user.name, email: user.email, role: input.role };
}

/** Role changes and removals that would leave a group without an owner are refused. */
export async function changeRole(db: Db, groupId: string, userId: string, role: Role) {
  return db.transaction(async (tx) => {
    const current = await lockMembership(tx, groupId, userId);
    if (current === "owner" && role !== "owner") await assertAnotherOwner(tx, groupId);
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
    return { userId, role };
  });
}

export async function removeMember(db: Db, groupId: string, userId: string) {
  await db.transaction(async (tx) => {
    const current = await lockMembership(tx, groupId, userId);
    if (current === "owner") await assertAnotherOwner(tx, groupId);
    await tx.delete(memberships).where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
  });
}

async function lockMembership(tx: Tx, groupId: string, userId: string): Promise<Role> {
  // Locking the group row serialises concurrent owner changes within one group.
  await tx.select({ id: groups.id }).from(groups).where(eq(groups.id, groupId)).for("update");
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)));
  if (!row) throw notFound("Member");
  return row.role;
}

async function assertAnotherOwner(tx: Tx, groupId: string) {
  const [row] = await tx
    .select({ owners: count() })
    .from(memberships)
    .where(and(eq(memberships.groupId, groupId), eq(memberships.role, "owner")));
  if ((row?.owners ?? 0) < 2) throw new ApiError("conflict", "A group needs at least one owner", "role");
}
