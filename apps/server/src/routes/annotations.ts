import { Hono } from "hono";
import { z } from "zod";
import {
  MAX_BODY_LENGTH,
  annotationFieldSchemas,
  factcheckInputSchema,
  languageInputSchema,
  voteValueSchema,
} from "@marginalia/schema";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { type AnnotationEnv, accessOrGone, requireAnnotation, requireArticleRole } from "../http/access.ts";
import { LATEST_DATE, readJson, validateQuery } from "../http/input.ts";
import { annotationFilterSchema, queryAnnotations } from "../services/annotation-queries.ts";
import { presentById, viewerOf } from "../services/annotation-view.ts";
import { highlightsOf } from "../services/highlights.ts";
import { behindNow, readAnchored } from "../anchoring/anchored-reads.ts";
import {
  articleWriteAccess,
  castVote,
  createThroughDocument,
  replyWriteAccess,
  deleteThroughDocument,
  updateThroughDocument,
} from "../services/annotations.ts";
import { assignThroughDocument, presentAssignment } from "../services/assignments.ts";
import { confirmVerdict, reattachAnnotation } from "../services/pinning.ts";
import { checkTextTarget, clientTargetSchema } from "../services/targets.ts";
import { annotationResponses, created, documented, noContent, ok, whileMoving } from "../openapi/describe.ts";
import { annotationPageSchema, assignmentViewSchema, highlightListSchema, voteResultSchema } from "../openapi/schemas/annotations.ts";

const f = annotationFieldSchemas;
export const createAnnotationSchema = z.strictObject({
  id: f.id.optional(),
  kind: f.kind,
  target: clientTargetSchema.nullable().optional(),
  body: z.string().max(MAX_BODY_LENGTH).default(""),
  tags: f.tags.optional(),
  color: f.color.optional(),
  language: languageInputSchema.nullable().optional(),
  factcheck: factcheckInputSchema.optional(),
  status: f.status.optional(),
  parentId: f.parentId.optional(),
  /** Left out, the group's rules place it: in a pre-moderated group an annotator's work is a submission. */
  visibility: z.enum(["group", "private"]).optional(),
  /** W3C clients' IRIs for the annotation (see apps/server/src/w3c), kept as given. */
  canonical: f.canonical.optional(),
  via: f.via.optional(),
})
  // A highlight never carries a verdict (the policy's refuseVerdictOn); whether a comment may depends on its thread, which the policy judges.
  .refine((r) => r.kind !== "highlight" || r.factcheck == null, { message: "A highlight carries no verdict: give a verdict as a fact-check", path: ["factcheck"] });

export const patchAnnotationSchema = z
  .object({
    body: z.string().max(MAX_BODY_LENGTH),
    target: clientTargetSchema.nullable(),
    tags: f.tags,
    color: f.color,
    language: languageInputSchema.nullable(),
    factcheck: factcheckInputSchema,
    status: f.status,
    resolved: f.resolved,
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, "Send at least one field to change");

/** A reply may carry a verdict (with sources): an assignee's answer to an assignment. It stays a comment. */
export const replySchema = z
  .strictObject({ body: z.string().trim().max(MAX_BODY_LENGTH).default(""), language: languageInputSchema.nullable().optional(), factcheck: factcheckInputSchema.optional() })
  .refine((r) => r.body || r.factcheck, { message: "Write a reply or give a verdict", path: ["body"] });
export const voteSchema = z.strictObject({ value: voteValueSchema.nullable() });
export const assignmentSchema = z.strictObject({
  assignees: f.assignees,
  dueAt: z.iso.datetime({ offset: true }).transform(Date.parse).pipe(z.number().int().nonnegative().max(LATEST_DATE.getTime())).nullable().default(null),
});
export const reattachSchema = z
  .strictObject({ start: z.number().int().nonnegative(), end: z.number().int().positive() })
  .refine((r) => r.end > r.start, { message: "end must be after start", path: ["end"] });

/** Mounted at /api/articles: an article's annotations. */
export const articleAnnotationRoutes = new Hono<AppEnv>()
  .get("/:articleId/annotations", documented({ tag: "annotations", summary: "Filter, search and page an article's annotations", query: annotationFilterSchema, responses: { ...ok("A page and the next cursor"), ...whileMoving }, schemas: { 200: annotationPageSchema } }), requireArticleRole("viewer"), async (c) => {
    const { article, role } = c.get("article");
    const filter = validateQuery(annotationFilterSchema, c);
    const read = () => queryAnnotations(c.get("deps").db, { articleId: article.id }, { id: c.get("user").id, role }, filter);
    const { annotations, nextCursor } = await readAnchored(c.get("deps"), article.id, read, behindNow(article));
    return c.json({ annotations, nextCursor });
  })
  .get("/:articleId/highlights", documented({ tag: "annotations", summary: "What the reader paints before its live documents sync: each visible thread's span on the current revision, with what its layer depends on", responses: { ...ok("The revision and the spans"), ...whileMoving }, schemas: { 200: highlightListSchema } }), requireArticleRole("viewer"), async (c) => {
    const { article, role } = c.get("article");
    const json = await readAnchored(c.get("deps"), article.id, () => highlightsOf(c.get("deps").db, article, { id: c.get("user").id, role }), behindNow(article));
    return c.body(json, 200, { "content-type": "application/json" });
  })
  .post("/:articleId/annotations", documented({ live: true, tag: "annotations", summary: "Create an annotation through the live document", body: createAnnotationSchema, responses: { ...created("The annotation"), 409: "An annotation with this id exists, or the parent cannot take this reply; members_renamed: anonymity was turned on while it was saved, and nothing was" }, schemas: annotationResponses(201) }), requireArticleRole("annotator"), async (c) => {
    const { db, hub } = c.get("deps");
    const user = c.get("user");
    const found = c.get("article");
    const given = await readJson(c, createAnnotationSchema);
    const input = given.target ? { ...given, target: await checkTextTarget(db, found.article.id, given.target, found.article.currentRevision) } : { ...given, target: given.target };
    const created = await createThroughDocument(db, hub, articleWriteAccess(found), user.id, input);
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(await presentById(db, created.id, { id: user.id, role: found.role }), 201);
  });

/** Mounted at /api/annotations: one annotation, reached by `requireAnnotation` (404, or 410 once deleted). */
export const annotationRoutes = new Hono<AppEnv>()
  .get("/:annotationId", documented({ tag: "annotations", summary: "One annotation", responses: { 200: "The annotation", 410: "Deleted", ...whileMoving }, schemas: annotationResponses(200) }), requireAnnotation(), present)
  .patch("/:annotationId", documented({ live: true, tag: "annotations", summary: "Change fields, under the same rules as a live edit", body: patchAnnotationSchema, responses: { ...ok("The annotation"), 409: "The change is not allowed in the annotation’s state" }, schemas: annotationResponses(200) }), requireAnnotation(), async (c) => {
    const given = await readJson(c, patchAnnotationSchema);
    const access = c.get("annotation");
    // Only a field the caller sent is a change: an absent target must stay absent, not become undefined.
    const { target, ...rest } = given;
    const patch = target ? { ...rest, target: await checkTextTarget(c.get("deps").db, access.row.articleId, target) } : given.target === null ? { ...rest, target: null } : rest;
    await updateThroughDocument(c.get("deps").db, c.get("deps").hub, access, patch);
    return present(c);
  })
  .delete("/:annotationId", documented({ live: true, tag: "annotations", summary: "Delete your own annotation", responses: { ...noContent, 409: "A moderator decided on it meanwhile: read it again" } }), requireAnnotation(), async (c) => {
    await deleteThroughDocument(c.get("deps").db, c.get("deps").hub, c.get("annotation"));
    return c.body(null, 204);
  })
  .post("/:annotationId/replies", documented({ live: true, tag: "annotations", summary: "Reply in the thread", body: replySchema, responses: { ...created("The reply"), 409: "The annotation takes no replies in its state" }, schemas: annotationResponses(201) }), requireAnnotation(), async (c) => {
    const { db, hub } = c.get("deps");
    const access = c.get("annotation");
    const { body, language, factcheck } = await readJson(c, replySchema);
    const created = await createThroughDocument(db, hub, replyWriteAccess(access), access.account, {
      kind: "comment",
      body,
      language,
      factcheck,
      parentId: access.row.id,
      target: access.row.target,
      // Next to its thread: a group thread's reply is placed as the group's rules say (a submission, perhaps).
      ...(access.row.visibility === "private" && { visibility: "private" as const }),
    }).catch(async (err: unknown) => {
      // The thread is named by the path, not the body: one gone since its access was decided (deleted, or
      // its article deleted) is answered as a request for it now would be, 410 or 404, not as a bad field.
      if (err instanceof ApiError && err.field === "parentId" && err.code === "validation_failed") {
        await accessOrGone(c, access.row.id);
        throw notFound("Annotation");
      }
      throw err;
    });
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(await presentById(db, created.id, viewerOf(access)), 201);
  })
  .put("/:annotationId/assignment", documented({ live: true, tag: "annotations", summary: "Assign members to answer it, with an optional due time (author or moderator)", body: assignmentSchema, responses: { ...ok("The assignees and their progress"), 409: "A moderator decided on it meanwhile: read it again" }, schemas: { 200: assignmentViewSchema } }), requireAnnotation(), async (c) => {
    const { db, hub } = c.get("deps");
    const access = c.get("annotation");
    await assignThroughDocument(db, hub, access, await readJson(c, assignmentSchema));
    return c.json(await presentAssignment(db, access.row.id, viewerOf(access)));
  })
  .post("/:annotationId/reattach", documented({ live: true, tag: "annotations", summary: "Re-attach an orphan or a fuzzy annotation to a range of the current text (author or moderator; a published fact-check, moderators only)", body: reattachSchema, responses: { ...ok("The annotation, anchored"), 403: "Neither its author nor a moderator, or a published fact-check and not a moderator", 409: "Placed exactly on the current text: change its target instead; or a moderator decided on it meanwhile: read it again" }, schemas: annotationResponses(200) }), requireAnnotation(), reattach)
  .post("/:annotationId/confirm", documented({ live: true, tag: "annotations", summary: "Confirm a stale verdict against the passage as it now reads (author or moderator): it is current again, back in W3C and ClaimReview exports, and the action is in the moderation log", responses: { ...ok("The fact-check, no longer stale"), 403: "Neither its author nor a moderator", 409: "Not stale (perhaps confirmed or revised meanwhile), or orphaned (re-attach it first)" }, schemas: annotationResponses(200) }), requireAnnotation(), confirm)
  .post("/:annotationId/resolve", documented({ live: true, tag: "annotations", summary: "Resolve the thread", responses: { ...ok("The annotation"), 409: "A moderator decided on it meanwhile: read it again" }, schemas: annotationResponses(200) }), requireAnnotation(), async (c) => resolve(c, true))
  .post("/:annotationId/reopen", documented({ live: true, tag: "annotations", summary: "Reopen the thread", responses: { ...ok("The annotation"), 409: "A moderator decided on it meanwhile: read it again" }, schemas: annotationResponses(200) }), requireAnnotation(), async (c) => resolve(c, false))
  .put("/:annotationId/vote", documented({ live: true, tag: "annotations", summary: "Agree, disagree or withdraw your vote", body: voteSchema, responses: { ...ok("The counts"), 409: "Voting is not open in the annotation's state" }, schemas: { 200: voteResultSchema } }), requireAnnotation(), async (c) => {
    const access = c.get("annotation");
    const { value } = await readJson(c, voteSchema);
    await castVote(c.get("deps").hub, access, value);
    const view = await presentById(c.get("deps").db, access.row.id, viewerOf(access));
    return c.json({ votes: view.votes, mine: value });
  });

type AnnotationContext = AppContext<AnnotationEnv>;

/** The annotation as the caller sees it now: once its article's re-anchoring is done, if a correction is moving it. */
async function present(c: AnnotationContext) {
  const access = c.get("annotation");
  const read = () => presentById(c.get("deps").db, access.row.id, viewerOf(access));
  return c.json(await readAnchored(c.get("deps"), access.row.articleId, read, access.articleBehind));
}

async function reattach(c: AnnotationContext) {
  // The body first: the role is decided again once it is in (http/access-recheck.ts), and in the turn.
  const range = await readJson(c, reattachSchema);
  await reattachAnnotation(c.get("deps").db, c.get("deps").hub, c.get("annotation"), range);
  return present(c);
}

async function confirm(c: AnnotationContext) {
  await confirmVerdict(c.get("deps").db, c.get("deps").hub, c.get("annotation"));
  return present(c);
}

async function resolve(c: AnnotationContext, resolved: boolean) {
  await updateThroughDocument(c.get("deps").db, c.get("deps").hub, c.get("annotation"), { resolved });
  return present(c);
}
