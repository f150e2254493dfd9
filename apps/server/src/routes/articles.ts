import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { canModerate, groupRoom, hiddenRoom, privateRoom } from "@marginalia/schema";
import { requireArticleRole, requireRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { ApiError } from "../errors.ts";
import { MAX_ARTICLE_BYTES, readArticleBody } from "../http/article-body.ts";
import { uuidParam, validate } from "../http/input.ts";
import { reanchorArticle } from "../anchoring/reanchor.ts";
import { importArticle } from "../import/index.ts";
import {
  addRevision,
  createArticle,
  deleteArticle,
  getArticle,
  listArticles,
  listRevisions,
} from "../services/articles.ts";

const articleBodyLimit = bodyLimit({
  maxSize: MAX_ARTICLE_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `Articles are limited to ${MAX_ARTICLE_BYTES / 1024 / 1024} MiB`);
  },
});

export const revisionQuery = z.object({ revision: z.coerce.number().int().positive().optional() });

/** Mounted at /api/groups: the articles of one group. */
export const groupArticleRoutes = new Hono<AppEnv>()
  .post("/:groupId/articles", articleBodyLimit, async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "moderator");
    const body = await readArticleBody(c);
    const imported = importArticle(body);
    const article = await createArticle(db, {
      groupId,
      authorId: user.id,
      format: body.format,
      imported,
      meta: { sourceUrl: body.sourceUrl, publishedAt: body.publishedAt },
    });
    c.header("Location", `/api/articles/${article.id}`);
    return c.json(article, 201);
  })
  .get("/:groupId/articles", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "viewer");
    return c.json({ articles: await listArticles(db, groupId) });
  });

/** Mounted at /api/articles. */
export const articleRoutes = new Hono<AppEnv>()
  .get("/:articleId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    // `memberId`: the id the group's documents and presence know the viewer by, for their authorship and votes.
    const { role, memberId } = await requireArticleRole(db, articleId, user.id, "viewer");
    const { revision } = validate(revisionQuery, c.req.query());
    const { publicOrigin } = c.get("deps").config;
    const sync = {
      url: `${publicOrigin.replace(/^http/, "ws")}/sync`,
      room: groupRoom(articleId),
      privateRoom: privateRoom(articleId, user.id),
      // What moderators hid lives in a document of its own, which only they may join.
      ...(canModerate(role) && { hiddenRoom: hiddenRoom(articleId) }),
    };
    return c.json({ ...(await getArticle(db, articleId, revision)), role, memberId, sync });
  })
  .get("/:articleId/revisions", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    const { article, role } = await requireArticleRole(db, articleId, user.id, "viewer");
    return c.json({ revisions: await listRevisions(db, article, { id: user.id, role }) });
  })
  .put("/:articleId/text", articleBodyLimit, async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    const { article } = await requireArticleRole(db, articleId, user.id, "moderator");
    const body = await readArticleBody(c);
    // A correction keeps the article's title and byline unless the caller names new ones.
    const imported = importArticle({ ...body, title: body.title ?? article.title, byline: body.byline ?? article.byline });
    const before = await getArticle(db, articleId);
    const result = await addRevision(db, { articleId, authorId: user.id, format: body.format, imported });
    if (!result.created) return c.json(result.article, 200);
    const reanchored = await reanchorArticle(db, c.get("deps").hub, article, before, result.article);
    return c.json({ ...result.article, reanchored }, 201);
  })
  .delete("/:articleId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const articleId = uuidParam(c, "articleId", "Article");
    await requireArticleRole(db, articleId, user.id, "moderator");
    // Its rooms close first (4410) and what they had queued is discarded unwritten (hub.ts); the commit
    // under way is waited for, so no write lands after the deletion.
    const { hub } = c.get("deps");
    hub.access({ kind: "article-deleted", articleId });
    await hub.committer.flush();
    await deleteArticle(db, articleId);
    return c.body(null, 204);
  });
