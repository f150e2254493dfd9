import { Hono } from "hono";
import { z } from "zod";
import { WEBHOOK_EVENTS } from "@marginalia/schema/tables";
import type { AppEnv } from "../context.ts";
import { requireGroupRole } from "../http/access.ts";
import { readJson, uuidParam } from "../http/input.ts";
import { createWebhook, deleteWebhook, listWebhooks, recentDeliveries } from "../services/webhooks.ts";
import { created, documented, noContent, ok } from "../openapi/describe.ts";
import { deliveryListSchema, webhookCreatedSchema, webhookListSchema } from "../openapi/schemas/accounts.ts";

export const createWebhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: "Give an http(s) URL" })
    .max(2048)
    // Port 0 is no port a receiver can listen on: such a webhook could never be delivered to. Zod runs
    // this check even on a string `url` refused, so it must not throw on what is no URL.
    .refine((url) => !URL.canParse(url) || new URL(url).port !== "0", "Give a port a receiver can listen on (1–65535)"),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
});

/** Mounted at /api/groups: a group's webhooks, for its owners. */
export const webhookRoutes = new Hono<AppEnv>()
  .post("/:groupId/webhooks", documented({ tag: "webhooks", summary: "Register a webhook (owner): JSON POSTs of the chosen events, signed X-Marginalia-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>, with X-Marginalia-Delivery the same across retries; retried with exponential backoff for more than a day until a 2xx. Loopback, private and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true", body: createWebhookSchema, responses: { ...created("The webhook and its secret, shown this once"), 403: "Not the owner" }, schemas: { 201: webhookCreatedSchema } }), requireGroupRole("owner"), async (c) => {
    const { db, config } = c.get("deps");
    const input = await readJson(c, createWebhookSchema);
    return c.json(await createWebhook(db, c.get("group").id, c.get("user").id, input, config.webhookAllowPrivate), 201);
  })
  .get("/:groupId/webhooks", documented({ tag: "webhooks", summary: "The group's webhooks, without secrets (owner)", responses: { ...ok("The webhooks"), 403: "Not the owner" }, schemas: { 200: webhookListSchema } }), requireGroupRole("owner"), async (c) => c.json({ webhooks: await listWebhooks(c.get("deps").db, c.get("group").id) }))
  .delete("/:groupId/webhooks/:webhookId", documented({ tag: "webhooks", summary: "Delete a webhook and its pending deliveries (owner)", responses: { ...noContent, 403: "Not the owner" } }), requireGroupRole("owner"), async (c) => {
    await deleteWebhook(c.get("deps").db, c.get("group").id, uuidParam(c, "webhookId", "Webhook"), c.get("user").id);
    return c.body(null, 204);
  })
  .get("/:groupId/webhooks/:webhookId/deliveries", documented({ tag: "webhooks", summary: "A webhook's latest 50 deliveries, newest first (owner)", responses: { ...ok("The deliveries"), 403: "Not the owner" }, schemas: { 200: deliveryListSchema } }), requireGroupRole("owner"), async (c) => {
    const deliveries = await recentDeliveries(c.get("deps").db, c.get("group").id, uuidParam(c, "webhookId", "Webhook"));
    return c.json({ deliveries });
  });
