import { and, desc, eq } from "drizzle-orm";
import { type WebhookEvent, webhookDeliveries, webhooks } from "@marginalia/schema/tables";
import { requireRoleLocked } from "../access/membership.ts";
import { generateSecureRandomString } from "../auth/secrets.ts";
import type { Db, Tx } from "../db.ts";
import { notFound } from "../errors.ts";
import { assertPublicUrl } from "../net/address.ts";

const view = { id: webhooks.id, url: webhooks.url, events: webhooks.events, createdAt: webhooks.createdAt };

/**
 * Registers a webhook; the secret is shown in this answer only. The creator's
 * ownership is decided again with the insert (access/membership.ts,
 * requireRoleLocked): the address check looks a name up in DNS, which a slow
 * server can stretch to seconds after the route's own check. Either a removal
 * waits and then withdraws this webhook too, or this sees it done.
 */
export async function createWebhook(db: Db, groupId: string, createdBy: string, input: { url: string; events: WebhookEvent[] }, allowPrivate: boolean) {
  await assertPublicUrl(new URL(input.url), { allowPrivate });
  const secret = `whsec_${generateSecureRandomString()}`;
  return db.transaction(async (tx) => {
    await requireRoleLocked(tx, groupId, createdBy, "owner");
    const [row] = await tx
      .insert(webhooks)
      .values({ groupId, createdBy, url: input.url, events: [...new Set(input.events)], secret })
      .returning(view);
    return { ...row!, secret };
  });
}

/**
 * An owner's webhooks go with their ownership (docs/architecture.md, "The policy"): a
 * departing owner could otherwise leave an address of theirs receiving every
 * published fact-check. Their pending deliveries go with them (the table cascades).
 */
export async function withdrawWebhooksBy(tx: Tx, groupId: string, userId: string) {
  await tx.delete(webhooks).where(and(eq(webhooks.groupId, groupId), eq(webhooks.createdBy, userId)));
}

export const listWebhooks = (db: Db, groupId: string) => db.select(view).from(webhooks).where(eq(webhooks.groupId, groupId)).orderBy(webhooks.createdAt);

/** Deletes one of the group's webhooks, if `actor` is still an owner as it is deleted. */
export async function deleteWebhook(db: Db, groupId: string, webhookId: string, actor: string) {
  await db.transaction(async (tx) => {
    await requireRoleLocked(tx, groupId, actor, "owner");
    const gone = await tx.delete(webhooks).where(and(eq(webhooks.id, webhookId), eq(webhooks.groupId, groupId))).returning({ id: webhooks.id });
    if (!gone.length) throw notFound("Webhook");
  });
}

/** The latest deliveries of one of the group's webhooks, newest first, with how each went. */
export async function recentDeliveries(db: Db, groupId: string, webhookId: string, limit = 50) {
  const [hook] = await db.select({ id: webhooks.id }).from(webhooks).where(and(eq(webhooks.id, webhookId), eq(webhooks.groupId, groupId)));
  if (!hook) throw notFound("Webhook");
  return db
    .select({
      id: webhookDeliveries.id,
      event: webhookDeliveries.event,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      lastStatus: webhookDeliveries.lastStatus,
      lastError: webhookDeliveries.lastError,
      createdAt: webhookDeliveries.createdAt,
      deliveredAt: webhookDeliveries.deliveredAt,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
}
