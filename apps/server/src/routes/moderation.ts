import { Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../access/membership.ts";
import { type AppContext, type AppEnv, requireUser } from "../context.ts";
import { readJson, readOptionalJson, uuidParam } from "../http/input.ts";
import type { StatusAction } from "@marginalia/schema";
import {
  approveSubmission,
  changeStatus,
  flagAnnotation,
  moderationHistory,
  moderationQueue,
  rejectSubmission,
} from "../services/moderation.ts";

export const reasonSchema = z.strictObject({ reason: z.string().trim().min(1).max(2_000) });
export const optionalReason = z.strictObject({ reason: z.string().trim().min(1).max(2_000).optional() });

async function statusAction(c: AppContext, action: StatusAction) {
  const user = requireUser(c);
  const { db, hub } = c.get("deps");
  const { reason } = await readOptionalJson(c, optionalReason);
  return c.json(await changeStatus(db, hub, c.req.param("annotationId")!, user.id, action, reason));
}

/** Mounted at /api/annotations: moderators' actions, and flags from anyone. */
export const annotationModerationRoutes = new Hono<AppEnv>()
  .post("/:annotationId/approve", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    return c.json(await approveSubmission(db, hub, c.req.param("annotationId"), user.id));
  })
  .post("/:annotationId/reject", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const { reason } = await readJson(c, reasonSchema);
    await rejectSubmission(db, hub, c.req.param("annotationId"), user.id, reason);
    return c.body(null, 204);
  })
  .post("/:annotationId/publish", (c) => statusAction(c, "publish"))
  .post("/:annotationId/hide", (c) => statusAction(c, "hide"))
  .post("/:annotationId/unhide", (c) => statusAction(c, "unhide"))
  .post("/:annotationId/flag", async (c) => {
    const user = requireUser(c);
    const { reason } = await readJson(c, reasonSchema);
    return c.json(await flagAnnotation(c.get("deps").db, c.req.param("annotationId"), user.id, reason), 201);
  });

/** Mounted at /api/groups: a group's queue and log, for its moderators. */
export const groupModerationRoutes = new Hono<AppEnv>()
  .get("/:groupId/moderation/queue", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "moderator");
    return c.json({ items: await moderationQueue(db, groupId) });
  })
  .get("/:groupId/moderation/log", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "moderator");
    return c.json({ entries: await moderationHistory(db, groupId) });
  });
