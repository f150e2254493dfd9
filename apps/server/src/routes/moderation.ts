import { Hono } from "hono";
import { z } from "zod";
import type { StatusAction } from "@marginalia/schema";
import { type AppContext, type AppEnv, requireUser } from "../context.ts";
import { type AnnotationEnv, requireAnnotation, requireGroupRole } from "../http/access.ts";
import { readJson, readOptionalJson, validateQuery } from "../http/input.ts";
import {
  approveSubmission,
  changeStatus,
  dismissFlags,
  flagAnnotation,
  moderationQueue,
  rejectSubmission,
} from "../services/moderation.ts";
import { moderationHistory, moderationLogQuery } from "../services/moderation-log.ts";
import { expectedVersion } from "../services/reviewed-version.ts";
import { annotationResponses, created, documented, noContent, ok } from "../openapi/describe.ts";
import { flagCreatedSchema, flagsDismissedSchema, moderationLogSchema, moderationQueueSchema } from "../openapi/schemas/annotations.ts";

export const reasonSchema = z.strictObject({ reason: z.string().trim().min(1).max(2_000) });
export const optionalReason = z.strictObject({ reason: z.string().trim().min(1).max(2_000).optional() });

async function statusAction(c: AppContext<AnnotationEnv>, action: StatusAction) {
  const { db, hub } = c.get("deps");
  const { reason } = await readOptionalJson(c, optionalReason);
  const expected = action === "publish" ? expectedVersion(c.req.header("if-match")) : undefined;
  return c.json(await changeStatus(db, hub, c.get("annotation"), action, reason, expected));
}

/**
 * Mounted at /api/annotations: moderators' actions, and flags from anyone.
 * Approving and rejecting reach a submission in its author's private
 * document, which `requireAnnotation` would not, so the service checks those.
 */
export const annotationModerationRoutes = new Hono<AppEnv>()
  .post("/:annotationId/approve", documented({ live: true, tag: "moderation", summary: "Approve a pending submission into the group; under a review quorum, with every review of its passage", responses: { 200: "The published annotation", 409: "quorum_not_reached: too few independent reviews of the passage; or the author changed it while it was approved", 412: "precondition_failed: it no longer reads as the queue's `version` named in If-Match" }, schemas: annotationResponses(200) }), async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    return c.json(await approveSubmission(db, hub, c.req.param("annotationId"), user.id, expectedVersion(c.req.header("if-match"))));
  })
  .post("/:annotationId/reject", documented({ live: true, tag: "moderation", summary: "Reject a pending submission, with a reason; with the queue's `version` as If-Match, only if it still reads as the moderator reviewed it", body: reasonSchema, responses: { ...noContent, 409: "Not pending review", 412: "precondition_failed: it no longer reads as the queue's `version` named in If-Match" } }), async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const { reason } = await readJson(c, reasonSchema);
    await rejectSubmission(db, hub, c.req.param("annotationId"), user.id, reason, expectedVersion(c.req.header("if-match")));
    return c.body(null, 204);
  })
  .post("/:annotationId/publish", documented({ live: true, tag: "moderation", summary: "Publish a fact-check in review", body: optionalReason, responses: { ...ok("The annotation"), 409: "Not in review, or the group’s quorum of independent fact-checks is not reached", 412: "precondition_failed: it no longer reads as the queue's `version` named in If-Match" }, schemas: annotationResponses(200) }), requireAnnotation("moderator"), (c) => statusAction(c, "publish"))
  .post("/:annotationId/hide", documented({ live: true, tag: "moderation", summary: "Hide an annotation from non-moderators", body: optionalReason, responses: { ...ok("The annotation"), 409: "Already hidden, or not something that can be hidden" }, schemas: annotationResponses(200) }), requireAnnotation("moderator"), (c) => statusAction(c, "hide"))
  .post("/:annotationId/unhide", documented({ live: true, tag: "moderation", summary: "Show a hidden annotation again", body: optionalReason, responses: { ...ok("The annotation"), 409: "Not hidden" }, schemas: annotationResponses(200) }), requireAnnotation("moderator"), (c) => statusAction(c, "unhide"))
  .post("/:annotationId/flag", documented({ tag: "moderation", summary: "Flag an annotation for moderators", body: reasonSchema, responses: { ...created("The flag"), 409: "Already flagged by you, or not something that can be flagged" }, schemas: { 201: flagCreatedSchema } }), requireAnnotation(), async (c) => {
    const { reason } = await readJson(c, reasonSchema);
    return c.json(await flagAnnotation(c.get("deps").db, c.get("annotation"), reason), 201);
  })
  .post("/:annotationId/flags/dismiss", documented({ tag: "moderation", summary: "Dismiss an annotation's open flags without hiding it (moderator); logged, and its flaggers may flag it again", body: optionalReason, responses: { ...ok("How many flags were resolved"), 409: "No open flag" }, schemas: { 200: flagsDismissedSchema } }), requireAnnotation("moderator"), async (c) => {
    const { reason } = await readOptionalJson(c, optionalReason);
    return c.json(await dismissFlags(c.get("deps").db, c.get("annotation"), reason));
  });

/** Mounted at /api/groups: a group's queue and log, for its moderators. */
export const groupModerationRoutes = new Hono<AppEnv>()
  .get("/:groupId/moderation/queue", documented({ tag: "moderation", summary: "Pending and flagged annotations (moderator)", responses: ok("The queue"), schemas: { 200: moderationQueueSchema } }), requireGroupRole("moderator"), async (c) => {
    return c.json({ items: await moderationQueue(c.get("deps").db, c.get("group").id) });
  })
  .get("/:groupId/moderation/log", documented({ tag: "moderation", summary: "Every moderation action (moderator), a page at a time: newest first, by time and then id, with the next cursor", query: moderationLogQuery, responses: ok("A page, newest first, and the next cursor"), schemas: { 200: moderationLogSchema } }), requireGroupRole("moderator"), async (c) => {
    const page = validateQuery(moderationLogQuery, c);
    return c.json(await moderationHistory(c.get("deps").db, c.get("group").id, page));
  });
