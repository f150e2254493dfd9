import { sql } from "drizzle-orm";
import { bigint, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createSelectSchema } from "drizzle-zod";
import { users } from "./accounts.ts";
import { createdAt } from "./columns.ts";
import { annotationStatusEnum } from "./annotations.ts";
import { groups } from "./groups.ts";

export const MODERATION_ACTIONS = ["approve", "reject", "hide", "unhide", "flag", "publish", "confirm", "dismiss"] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export const moderationActionEnum = pgEnum("moderation_action", MODERATION_ACTIONS);

export const moderationLog = pgTable(
  "moderation_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    // Not a foreign key: the log outlives the annotation it speaks of.
    annotationId: text("annotation_id").notNull(),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: moderationActionEnum("action").notNull(),
    oldStatus: annotationStatusEnum("old_status"),
    newStatus: annotationStatusEnum("new_status"),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [
    index("moderation_log_group_idx").on(t.groupId, t.createdAt),
    index("moderation_log_annotation_idx").on(t.annotationId),
  ],
);

/** A member's report that an annotation needs a moderator's eye; open until a moderator acts on it. */
export const flags = pgTable(
  "flags",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    annotationId: text("annotation_id").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason").notNull(),
    createdAt: createdAt(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("flags_group_open_idx").on(t.groupId).where(sql`resolved_at is null`),
    // A group's: an id another group deleted may be taken again, and a member of both flags each on its own.
    uniqueIndex("flags_one_open_per_user").on(t.groupId, t.annotationId, t.userId).where(sql`resolved_at is null`),
  ],
);

export const flagSelectSchema = createSelectSchema(flags);

export const moderationLogSelectSchema = createSelectSchema(moderationLog);
