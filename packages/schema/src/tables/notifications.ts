import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createSelectSchema } from "drizzle-zod";
import { users } from "./accounts.ts";
import { articles } from "./articles.ts";
import { createdAt } from "./columns.ts";

export const NOTIFICATION_KINDS = ["mention", "reply", "moderation", "assignment", "review", "stale"] as const;
export const notificationKindEnum = pgEnum("notification_kind", NOTIFICATION_KINDS);

/**
 * One row per thing a user should hear about. The unique key makes writing
 * one idempotent, so re-projecting an edited annotation never notifies twice.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: notificationKindEnum("kind").notNull(),
    /** What the notification is about: the mentioning annotation, the reply, or the moderated one. */
    annotationId: text("annotation_id").notNull(),
    articleId: uuid("article_id").references(() => articles.id, { onDelete: "cascade" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    /** Distinguishes repeat events on one annotation, e.g. "approve" then "hide". */
    event: text("event").notNull().default(""),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
    readAt: timestamp("read_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("notifications_once").on(t.userId, t.kind, t.annotationId, t.event),
    index("notifications_user_idx").on(t.userId, t.id),
  ],
);

export const notificationSelectSchema = createSelectSchema(notifications);
