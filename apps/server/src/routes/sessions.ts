import { Hono } from "hono";
import { z } from "zod";
import { requireArticleRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { uuidParam, validate } from "../http/input.ts";
import { articleAgreement } from "../services/agreement.ts";
import { participationCsv, sessionParticipation } from "../services/participation.ts";
import { sessionSummary } from "../services/summary.ts";

export const participationQuery = z.object({
  format: z.enum(["json", "csv"], { error: "Choose json or csv" }).default("json"),
});

/** Mounted at /api/articles: an article's live session, as numbers. */
export const sessionRoutes = new Hono<AppEnv>()
  .get("/:articleId/summary", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const { article, role } = await requireArticleRole(db, uuidParam(c, "articleId", "Article"), user.id, "viewer");
    c.header("Cache-Control", "private, no-store");
    return c.json(await sessionSummary(db, hub, article, { id: user.id, role }));
  })
  .get("/:articleId/agreement", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    // Moderators and owners only: the figures reveal verdicts still waiting, blind, for review.
    const { article } = await requireArticleRole(db, uuidParam(c, "articleId", "Article"), user.id, "moderator");
    c.header("Cache-Control", "private, no-store");
    return c.json(await articleAgreement(db, article.id));
  })
  .get("/:articleId/participation", async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const { article, role } = await requireArticleRole(db, uuidParam(c, "articleId", "Article"), user.id, "moderator");
    const { format } = validate(participationQuery, c.req.query());
    const view = await sessionParticipation(db, hub, article, { id: user.id, role });
    // Names and activity of members: no shared cache may keep them.
    c.header("Cache-Control", "private, no-store");
    if (format === "json") return c.json(view);
    return c.body(participationCsv(view), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      // The id is ASCII by construction, so the header needs no quoting rules.
      "Content-Disposition": `attachment; filename="participation-${article.id}.csv"`,
    });
  });
