import { sql } from "drizzle-orm";
import { boolean, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { users } from "./accounts.ts";
import { createdAt } from "./columns.ts";
import { MODERATION_MODES, ROLES } from "../vocabulary/groups.ts";
import { nameOf } from "../vocabulary/names.ts";

export * from "../vocabulary/groups.ts";

export const moderationEnum = pgEnum("moderation_mode", MODERATION_MODES);
export const roleEnum = pgEnum("role", ROLES);

export const groups = pgTable("groups", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  moderation: moderationEnum("moderation").notNull().default("open"),
  /** Seminars: members see pseudonyms instead of each other's names; moderators and owners always see names. */
  anonymousToPeers: boolean("anonymous_to_peers").notNull().default(false),
  /**
   * Expert review (pre-moderated groups): how many independent fact-checks of
   * one passage a moderator needs before publishing a verdict on it. 1 means
   * no quorum.
   */
  reviewQuorum: integer("review_quorum").notNull().default(1),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
});

export const memberships = pgTable(
  "memberships",
  {
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: roleEnum("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

/**
 * The id a group's members know each other by: documents, presence and every
 * response carry it in place of the account's id (docs/architecture.md,
 * "Member ids"). In a group anonymous to peers it is random, so that nothing a
 * peer sees links one person across groups; elsewhere it is the account's id.
 * A row is made with the membership (a trigger, migration 0008) and outlives
 * it, so that a former member's work keeps its author and a returning member
 * is the same person to the group.
 */
export const memberIds = pgTable(
  "member_ids",
  {
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    memberId: uuid("member_id").notNull().defaultRandom(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), uniqueIndex("member_ids_member_idx").on(t.groupId, t.memberId)],
);

/**
 * An offer of membership to whoever holds an email address. Nobody joins a
 * group without saying yes: the account with this email accepts (and becomes
 * a member in `role`) or declines. Revoking deletes the row; accepted and
 * declined rows stay as a record of who was let in and by whom.
 */
export const groupInvitations = pgTable(
  "group_invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    /** Trimmed and lower-cased, as users.email is stored, so that the two compare equal. */
    email: text("email").notNull(),
    role: roleEnum("role").notNull(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true, mode: "date" }),
    declinedAt: timestamp("declined_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    // One open invitation per address and group: inviting again refreshes it instead of piling up copies.
    uniqueIndex("group_invitations_one_pending")
      .on(t.groupId, t.email)
      .where(sql`accepted_at is null and declined_at is null`),
    // "My invitations" looks rows up by the signed-in account's email.
    index("group_invitations_email_pending_idx").on(t.email).where(sql`accepted_at is null and declined_at is null`),
  ],
);

export const groupSelectSchema = createSelectSchema(groups);
export const groupInsertSchema = createInsertSchema(groups, {
  name: nameOf(120),
  reviewQuorum: (s) => s.int().min(1).max(10),
});
export const groupInvitationSelectSchema = createSelectSchema(groupInvitations);
export const groupInvitationInsertSchema = createInsertSchema(groupInvitations, {
  email: (s) => s.trim().toLowerCase().pipe(z.email().max(254)),
});

export const roleSchema = z.enum(ROLES);
