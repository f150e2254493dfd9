import { sql } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts.ts";
import { createdAt } from "./columns.ts";
import { groups } from "./groups.ts";

/** The events a webhook may subscribe to. */
export const WEBHOOK_EVENTS = ["factcheck.published", "factcheck.stale"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A group's subscription: where to POST which events, and the secret that signs them. */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events").array().notNull(),
    // Kept as given: the server must compute the HMAC with it on every delivery.
    secret: text("secret").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("webhooks_group_idx").on(t.groupId)],
);

/**
 * The outbox: one row per event and webhook, written in the transaction of the change that caused
 * it, then delivered (and retried) by apps/server/src/webhooks/deliverer.ts. The body is fixed at
 * enqueueing, so every retry sends the same bytes under the same id.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    body: text("body").notNull(),
    /** pending until a 2xx (delivered) or until retries run out (failed). */
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** A process sending it holds it until then; a process that died mid-send lets it go by itself. */
    leasedUntil: timestamp("leased_until", { withTimezone: true, mode: "date" }),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
  ],
);
