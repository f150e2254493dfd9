import { Hono } from "hono";
import { z } from "zod";
import {
  CodePointIndex,
  MAX_BODY_LENGTH,
  annotationFieldSchemas,
  buildTarget,
  roleAtLeast,
  updateAnnotation,
  voteValueSchema,
} from "@marginalia/schema";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError, forbidden } from "../errors.ts";
import { type AnnotationEnv, requireAnnotation, requireArticleRole } from "../http/access.ts";
import { readJson, validate } from "../http/input.ts";
import { annotationFilterSchema, queryAnnotations } from "../services/annotation-queries.ts";
import { presentById, viewerOf } from "../services/annotation-view.ts";
import { getArticle } from "../services/articles.ts";
import {
  articleWriteAccess,
  castVote,
  createThroughDocument,
  replyWriteAccess,
  writerOf,
  deleteThroughDocument,
  updateThroughDocument,
} from "../services/annotations.ts";
import { assignThroughDocument, presentAssignment } from "../services/assignments.ts";
import { checkTextTarget, clientTargetSchema } from "../services/targets.ts";

const f = annotationFieldSchemas;
export const createAnnotationSchema = z.strictObject({
  id: f.id.optional(),
  kind: f.kind,
  target: clientTargetSchema.nullable().optional(),
  body: z.string().max(MAX_BODY_LENGTH).default(""),
  tags: f.tags.optional(),
  color: f.color.optional(),
  factcheck: f.factcheck.optional(),
  status: f.status.optional(),
  parentId: f.parentId.optional(),
  visibility: z.enum(["group", "private"]).default("group"),
  /** W3C clients' IRIs for the annotation (see apps/server/src/w3c), kept as given. */
  canonical: f.canonical.optional(),
  via: f.via.optional(),
});

export const patchAnnotationSchema = z
  .object({
    body: z.string().max(MAX_BODY_LENGTH),
    target: clientTargetSchema.nullable(),
    tags: f.tags,
    color: f.color,
    factcheck: f.factcheck,
    status: f.status,
    resolved: f.resolved,
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, "Send at least one field to change");

/** A reply may carry a verdict (with sources): an assignee's answer to an assignment. It stays a comment. */
export const replySchema = z
  .strictObject({ body: z.string().trim().max(MAX_BODY_LENGTH).default(""), factcheck: f.factcheck.optional() })
  .refine((r) => r.body || r.factcheck, { message: "Write a reply or give a verdict", path: ["body"] });
export const voteSchema = z.strictObject({ value: voteValueSchema.nullable() });
export const assignmentSchema = z.strictObject({
  assignees: f.assignees,
  dueAt: z.iso.datetime({ offset: true }).transform(Date.parse).pipe(z.number().int().nonnegative()).nullable().default(null),
});
export const reattachSchema = z
  .strictObject({ start: z.number().int().nonnegative(), end: z.number().int().positive() })
  .refine((r) => r.end > r.start, { message: "end must be after start", path: ["end"] });

/** Mounted at /api/articles: an article's annotations. */
export const articleAnnotationRoutes = new Hono<AppEnv>()
  .get("/:articleId/annotations", requireArticleRole("viewer"), async (c) => {
    const { article, role } = c.get("article");
    const filter = validate(annotationFilterSchema, c.req.query());
    return c.json(await queryAnnotations(c.get("deps").db, { articleId: article.id }, { id: c.get("user").id, role }, filter));
  })
  .post("/:articleId/annotations", requireArticleRole("annotator"), async (c) => {
    const { db, hub } = c.get("deps");
    const user = c.get("user");
    const found = c.get("article");
    const given = await readJson(c, createAnnotationSchema);
    const input = given.target ? { ...given, target: await checkTextTarget(db, found.article.id, given.target) } : { ...given, target: given.target };
    const created = await createThroughDocument(db, hub, articleWriteAccess(found), user.id, input);
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(await presentById(db, created.id, { id: user.id, role: found.role }), 201);
  });

/** Mounted at /api/annotations: one annotation, reached by `requireAnnotation` (404, or 410 once deleted). */
export const annotationRoutes = new Hono<AppEnv>()
  .get("/:annotationId", requireAnnotation(), present)
  .patch("/:annotationId", requireAnnotation(), async (c) => {
    const given = await readJson(c, patchAnnotationSchema);
    const access = c.get("annotation");
    // Only a field the caller sent is a change: an absent target must stay absent, not become undefined.
    const { target, ...rest } = given;
    const patch = target ? { ...rest, target: await checkTextTarget(c.get("deps").db, access.row.articleId, target) } : given.target === null ? { ...rest, target: null } : rest;
    await updateThroughDocument(c.get("deps").hub, access, patch);
    return present(c);
  })
  .delete("/:annotationId", requireAnnotation(), async (c) => {
    await deleteThroughDocument(c.get("deps").hub, c.get("annotation"));
    return c.body(null, 204);
  })
  .post("/:annotationId/replies", requireAnnotation(), async (c) => {
    const { db, hub } = c.get("deps");
    const access = c.get("annotation");
    const { body, factcheck } = await readJson(c, replySchema);
    const created = await createThroughDocument(db, hub, replyWriteAccess(access), access.account, {
      kind: "comment",
      body,
      factcheck,
      parentId: access.row.id,
      target: access.row.target,
      visibility: access.row.visibility,
    });
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(await presentById(db, created.id, viewerOf(access)), 201);
  })
  .put("/:annotationId/assignment", requireAnnotation(), async (c) => {
    const { db, hub } = c.get("deps");
    const access = c.get("annotation");
    await assignThroughDocument(db, hub, access, await readJson(c, assignmentSchema));
    return c.json(await presentAssignment(db, access.row.id, viewerOf(access)));
  })
  .post("/:annotationId/reattach", requireAnnotation(), reattach)
  .post("/:annotationId/resolve", requireAnnotation(), async (c) => resolve(c, true))
  .post("/:annotationId/reopen", requireAnnotation(), async (c) => resolve(c, false))
  .put("/:annotationId/vote", requireAnnotation(), async (c) => {
    const access = c.get("annotation");
    const { value } = await readJson(c, voteSchema);
    await castVote(c.get("deps").hub, access, value);
    const view = await presentById(c.get("deps").db, access.row.id, viewerOf(access));
    return c.json({ votes: view.votes, mine: value });
  });

type AnnotationContext = AppContext<AnnotationEnv>;

/** The annotation as the caller sees it now. */
async function present(c: AnnotationContext) {
  const access = c.get("annotation");
  return c.json(await presentById(c.get("deps").db, access.row.id, viewerOf(access)));
}

async function reattach(c: AnnotationContext) {
  const { db, hub } = c.get("deps");
  const access = c.get("annotation");
  if (access.row.authorId !== access.account && !roleAtLeast(access.role, "moderator")) {
    throw forbidden("Only the author or a moderator re-attaches an annotation");
  }
  const range = await readJson(c, reattachSchema);
  const article = await getArticle(db, access.row.articleId);
  const index = new CodePointIndex(article.text);
  if (range.end > index.length) throw new ApiError("validation_failed", "end: past the end of the article", "end");
  const target = buildTarget(index, range, article.revision);
  // Written by the server: the anchor state is not a field clients may set.
  await hub.change({ ...access.context, revision: article.revision }, writerOf(access), (doc) => {
    updateAnnotation(doc, access.row.id, { target, anchor: { state: "anchored" } });
  });
  return present(c);
}

async function resolve(c: AnnotationContext, resolved: boolean) {
  await updateThroughDocument(c.get("deps").hub, c.get("annotation"), { resolved });
  return present(c);
}
