import { Hono } from "hono";
import { z } from "zod";
import { MAX_BODY_LENGTH, annotationFieldSchemas } from "@marginalia/schema";
import { requireArticleRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { readJson, uuidParam } from "../http/input.ts";
import {
  approveSubmission,
  createThroughDocument,
  listAnnotations,
  rejectSubmission,
} from "../services/annotations.ts";

const f = annotationFieldSchemas;
const createSchema = z.object({
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
});

const rejectSchema = z.object({ reason: z.string().trim().min(1).max(2_000) });

/** Mounted at /api/articles: an article's annotations. */
export const articleAnnotationRoutes = new Hono<AppEnv>()
  .get("/:articleId/annotations", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    const { role } = await requireArticleRole(db, articleId, user.id, "viewer");
    return c.json({ annotations: await listAnnotations(db, articleId, { id: user.id, role }) });
  })
  .post("/:articleId/annotations", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    const { article, role, moderation } = await requireArticleRole(db, articleId, user.id, "annotator");
    const input = await readJson(c, createSchema);
    const created = await createThroughDocument(
      hub,
      { articleId, groupId: article.groupId, revision: article.currentRevision, role, moderation },
      user.id,
      input,
    );
    c.header("Location", `/api/annotations/${created.id}`);
    return c.json(created, 201);
  });

/** Mounted at /api/annotations: review of pending submissions. */
export const annotationRoutes = new Hono<AppEnv>()
  .post("/:annotationId/approve", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    return c.json(await approveSubmission(db, hub, c.req.param("annotationId"), user.id));
  })
  .post("/:annotationId/reject", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const { reason } = await readJson(c, rejectSchema);
    await rejectSubmission(db, hub, c.req.param("annotationId"), user.id, reason);
    return c.body(null, 204);
  });
