import { eq } from "drizzle-orm";
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
import { annotationTombstones, annotations, users } from "@marginalia/schema/tables";
import { requireArticleRole } from "../access/membership.ts";
import { type AppContext, type AppEnv, requireUser } from "../context.ts";
import type { Db } from "../db.ts";
import { ApiError, forbidden, notFound } from "../errors.ts";
import { readJson, uuidParam, validate } from "../http/input.ts";
import { annotationFilterSchema, queryAnnotations } from "../services/annotation-queries.ts";
import { presentById, viewerOf } from "../services/annotation-view.ts";
import { getArticle } from "../services/articles.ts";
import {
  annotationAccess,
  articleWriteAccess,
  castVote,
  createThroughDocument,
  writerOf,
  deleteThroughDocument,
  updateThroughDocument,
} from "../services/annotations.ts";
import { assignThroughDocument, presentAssignment } from "../services/assignments.ts";
import { checkTextTarget } from "../services/targets.ts";

const f = annotationFieldSchemas;
export const createAnnotationSchema = z.strictObject({
  id: f.id.optional(),
  kind: f.kind,
  target: f.target.optional(),
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
    target: f.target,
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

/** 410 for an annotation that existed and was deleted; 404 otherwise. */
export async function accessOrGone(c: AppContext, id: string) {
  const { db } = c.get("deps");
  try {
    return await annotationAccess(db, id, requireUser(c).id);
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") {
      const [gone] = await db.select().from(annotationTombstones).where(eq(annotationTombstones.id, id));
      if (gone) {
        await requireArticleRole(db, gone.articleId, requireUser(c).id, "viewer");
        throw new ApiError("gone", "This annotation was deleted");
      }
    }
    throw err;
  }
}

/** Mounted at /api/articles: an article's annotations. */
export const articleAnnotationRoutes = new Hono<AppEnv>()
  .get("/:articleId/annotations", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    const { role } = await requireArticleRole(db, articleId, user.id, "viewer");
    const filter = validate(annotationFilterSchema, c.req.query());
    return c.json(await queryAnnotations(db, { articleId }, { id: user.id, role }, filter));
  })
  .post("/:articleId/annotations", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    const found = await requireArticleRole(db, articleId, user.id, "annotator");
    const input = await readJson(c, createAnnotationSchema);
    if (input.target) await checkTextTarget(db, articleId, input.target);
    const created = await createThroughDocument(db, hub, articleWriteAccess(found), user.id, input);
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(await presentById(db, created.id, { id: user.id, role: found.role }), 201);
  });

/** Mounted at /api/annotations: one annotation. */
export const annotationRoutes = new Hono<AppEnv>()
  .get("/:annotationId", async (c) => {
    const access = await accessOrGone(c, c.req.param("annotationId"));
    return c.json(await presentById(c.get("deps").db, access.row.id, viewerOf(access)));
  })
  .patch("/:annotationId", async (c) => {
    const access = await accessOrGone(c, c.req.param("annotationId"));
    const patch = await readJson(c, patchAnnotationSchema);
    if (patch.target) await checkTextTarget(c.get("deps").db, access.row.articleId, patch.target);
    await updateThroughDocument(c.get("deps").hub, access, patch);
    return c.json(await presentById(c.get("deps").db, access.row.id, viewerOf(access)));
  })
  .delete("/:annotationId", async (c) => {
    const access = await accessOrGone(c, c.req.param("annotationId"));
    await deleteThroughDocument(c.get("deps").hub, access);
    return c.body(null, 204);
  })
  .post("/:annotationId/replies", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const access = await accessOrGone(c, c.req.param("annotationId"));
    const { body, factcheck } = await readJson(c, replySchema);
    const created = await createThroughDocument(
      db,
      hub,
      {
        articleId: access.row.articleId,
        groupId: access.row.groupId,
        revision: access.context.revision,
        role: access.role,
        memberId: access.actor.userId,
        moderation: access.actor.moderation,
      },
      user.id,
      { kind: "comment", body, factcheck, parentId: access.row.id, target: access.row.target, visibility: access.row.visibility },
    );
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(await presentById(db, created.id, viewerOf(access)), 201);
  })
  .put("/:annotationId/assignment", async (c) => {
    const { db, hub } = c.get("deps");
    const access = await accessOrGone(c, c.req.param("annotationId"));
    await assignThroughDocument(db, hub, access, await readJson(c, assignmentSchema));
    return c.json(await presentAssignment(db, access.row.id, viewerOf(access)));
  })
  .post("/:annotationId/reattach", reattach)
  .post("/:annotationId/resolve", async (c) => resolve(c, true))
  .post("/:annotationId/reopen", async (c) => resolve(c, false))
  .put("/:annotationId/vote", async (c) => {
    const access = await accessOrGone(c, c.req.param("annotationId"));
    const { value } = await readJson(c, voteSchema);
    await castVote(c.get("deps").hub, access, value);
    const view = await presentById(c.get("deps").db, access.row.id, viewerOf(access));
    return c.json({ votes: view.votes, mine: value });
  });

async function reattach(c: AppContext) {
  const { db, hub } = c.get("deps");
  const access = await accessOrGone(c, c.req.param("annotationId")!);
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
  return c.json(await presentById(db, access.row.id, viewerOf(access)));
}

async function resolve(c: AppContext, resolved: boolean) {
  const access = await accessOrGone(c, c.req.param("annotationId")!);
  await updateThroughDocument(c.get("deps").hub, access, { resolved });
  return c.json(await presentById(c.get("deps").db, access.row.id, viewerOf(access)));
}
