import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { type AppEnv, requireAuth, requireUser } from "../context.ts";
import { ApiError } from "../errors.ts";
import { MAX_STREAMS_PER_ACCOUNT } from "../services/notification-streams.ts";
import { readJson, validateQuery } from "../http/input.ts";
import { queryInt } from "../http/query-int.ts";
import { listNotifications, markRead } from "../services/notifications.ts";
import { documented, ok } from "../openapi/describe.ts";
import { markedSchema, notificationListSchema } from "../openapi/schemas/accounts.ts";

export const notificationListQuery = z.object({
  unread: z.enum(["true", "false"]).transform((v) => v === "true").default(false),
  before: queryInt(1).optional(),
  limit: queryInt(1, 200).default(50),
});
export const notificationStreamQuery = z.object({ after: queryInt(0).optional() });
export const markReadSchema = z.strictObject({ ids: z.array(z.number().int().positive()).max(500).optional() });

/** A browser reconnecting a stream sends the id of the last event it had: that wins over the query it first opened with. */
const lastEventId = (header: string | undefined) => (header && /^\d{1,15}$/.test(header) ? Number(header) : null);

/** Mounted at /api/me/notifications. */
export const notificationRoutes = new Hono<AppEnv>()
  .get("/", documented({ tag: "notifications", summary: "Mentions, replies and moderation outcomes", query: notificationListQuery, responses: ok("Newest first"), schemas: { 200: notificationListSchema } }), async (c) => {
    const user = requireUser(c);
    const query = validateQuery(notificationListQuery, c);
    return c.json({ notifications: await listNotifications(c.get("deps").db, user.id, query) });
  })
  .get(
    "/stream",
    documented({
      tag: "notifications",
      summary: "New notifications as they happen, as Server-Sent Events",
      query: notificationStreamQuery,
      responses: {
        200: "text/event-stream: `notification` events (the list's items, `id` the notification's), `end` with a reason when the session ends or the token is revoked, and a comment line every heartbeat. Starts after `Last-Event-ID`, else `after`, else now",
        429: `More than ${MAX_STREAMS_PER_ACCOUNT} streams open for this account`,
        503: "unavailable: the server is shutting down (its open streams end with `end`); reconnect, to another process or its successor",
      },
      produces: ["text/event-stream"],
    }),
    (c) => {
      const auth = requireAuth(c);
      const { after } = validateQuery(notificationStreamQuery, c);
      const stream = c.get("deps").notificationStreams.take(auth);
      if (!stream) throw new ApiError("rate_limited", `At most ${MAX_STREAMS_PER_ACCOUNT} notification streams may be open for one account`);
      return streamSSE(c, (sse) => stream.run(sse, lastEventId(c.req.header("last-event-id")) ?? after ?? null));
    },
  )
  .post("/read", documented({ tag: "notifications", summary: "Mark some or all notifications read", body: markReadSchema, responses: ok("How many changed"), schemas: { 200: markedSchema } }), async (c) => {
    const user = requireUser(c);
    const { ids } = await readJson(c, markReadSchema);
    return c.json({ marked: await markRead(c.get("deps").db, user.id, ids) });
  });
