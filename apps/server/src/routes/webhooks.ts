import { Hono } from "hono";
import { z } from "zod";
import { WEBHOOK_EVENTS } from "@marginalia/schema/tables";
import type { AppEnv } from "../context.ts";
import { requireGroupRole } from "../http/access.ts";
import { readJson, uuidParam } from "../http/input.ts";
import { createWebhook, deleteWebhook, listWebhooks, recentDeliveries } from "../services/webhooks.ts";

export const createWebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "Give an http(s) URL" }).max(2048),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
});

/** Mounted at /api/groups: a group's webhooks, for its owners. */
export const webhookRoutes = new Hono<AppEnv>()
  .post("/:groupId/webhooks", requireGroupRole("owner"), async (c) => {
    const { db, config } = c.get("deps");
    const input = await readJson(c, createWebhookSchema);
    return c.json(await createWebhook(db, c.get("group").id, c.get("user").id, input, config.webhookAllowPrivate), 201);
  })
  .get("/:groupId/webhooks", requireGroupRole("owner"), async (c) => c.json({ webhooks: await listWebhooks(c.get("deps").db, c.get("group").id) }))
  .delete("/:groupId/webhooks/:webhookId", requireGroupRole("owner"), async (c) => {
    await deleteWebhook(c.get("deps").db, c.get("group").id, uuidParam(c, "webhookId", "Webhook"));
    return c.body(null, 204);
  })
  .get("/:groupId/webhooks/:webhookId/deliveries", requireGroupRole("owner"), async (c) => {
    const deliveries = await recentDeliveries(c.get("deps").db, c.get("group").id, uuidParam(c, "webhookId", "Webhook"));
    return c.json({ deliveries });
  });
