import { Hono } from "hono";
import { z } from "zod";
import { type AppEnv, requireUser } from "../context.ts";
import { readJson, validate } from "../http/input.ts";
import { listNotifications, markRead } from "../services/notifications.ts";
import { documented, ok } from "../openapi/describe.ts";
import { markedSchema, notificationListSchema } from "../openapi/schemas/accounts.ts";

export const notificationListQuery = z.object({
  unread: z.enum(["true", "false"]).transform((v) => v === "true").default(false),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const markReadSchema = z.strictObject({ ids: z.array(z.number().int().positive()).max(500).optional() });

/** Mounted at /api/me/notifications. */
export const notificationRoutes = new Hono<AppEnv>()
  .get("/", documented({ tag: "notifications", summary: "Mentions, replies and moderation outcomes", query: notificationListQuery, responses: ok("Newest first"), schemas: { 200: notificationListSchema } }), async (c) => {
    const user = requireUser(c);
    const query = validate(notificationListQuery, c.req.query());
    return c.json({ notifications: await listNotifications(c.get("deps").db, user.id, query) });
  })
  .post("/read", documented({ tag: "notifications", summary: "Mark some or all notifications read", body: markReadSchema, responses: ok("How many changed"), schemas: { 200: markedSchema } }), async (c) => {
    const user = requireUser(c);
    const { ids } = await readJson(c, markReadSchema);
    return c.json({ marked: await markRead(c.get("deps").db, user.id, ids) });
  });
