import { Hono } from "hono";
import { z } from "zod";
import { WEBHOOK_EVENTS } from "@marginalia/schema/tables";
import { requireRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { readJson, uuidParam } from "../http/input.ts";
import { createWebhook, deleteWebhook, listWebhooks, recentDeliveries } from "../services/webhooks.ts";

export const createWebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "Give an http(s) URL" }).max(2048),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
});

/** Mounted at /api/groups: a group's webhooks, for its owners. */
export const webhookRoutes = new Hono<AppEnv>()
  .post("/:groupId/webhooks", async (c) => {
    const user = requireUser(c);
    const { db, config } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    const input = await readJson(c, createWebhookSchema);
    return c.json(await createWebhook(db, groupId, user.id, input, config.webhookAllowPrivate), 201);
  })
  .get("/:groupId/webhooks", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    return c.json({ webhooks: await listWebhooks(db, groupId) });
  })
  .delete("/:groupId/webhooks/:webhookId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    await deleteWebhook(db, groupId, uuidParam(c, "webhookId", "Webhook"));
    return c.body(null, 204);
  })
  .get("/:groupId/webhooks/:webhookId/deliveries", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    return c.json({ deliveries: await recentDeliveries(db, groupId, uuidParam(c, "webhookId", "Webhook")) });
  });
