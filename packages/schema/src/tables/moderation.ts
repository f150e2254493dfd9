import { index, pgEnum, pgTable, text, uuid, bigint } from "drizzle-orm/pg-core";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { users } from "./accounts.ts";
import { createdAt } from "./columns.ts";
import { groups } from "./groups.ts";

export const MODERATION_ACTIONS = ["approve", "reject", "hide", "unhide", "flag", "publish"] as const;
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
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [
    index("moderation_log_group_idx").on(t.groupId, t.createdAt),
    index("moderation_log_annotation_idx").on(t.annotationId),
  ],
);

export const moderationLogSelectSchema = createSelectSchema(moderationLog);
export const moderationLogInsertSchema = createInsertSchema(moderationLog);
