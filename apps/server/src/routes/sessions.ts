import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { requireArticleRole } from "../http/access.ts";
import { validate } from "../http/input.ts";
import { articleAgreement } from "../services/agreement.ts";
import { participationCsv, sessionParticipation } from "../services/participation.ts";
import { sessionSummary } from "../services/summary.ts";

export const participationQuery = z.object({
  format: z.enum(["json", "csv"], { error: "Choose json or csv" }).default("json"),
});

/** Mounted at /api/articles: an article's live session, as numbers. */
export const sessionRoutes = new Hono<AppEnv>()
  .get("/:articleId/summary", requireArticleRole("viewer"), async (c) => {
    const { db, hub } = c.get("deps");
    const { article, role } = c.get("article");
    c.header("Cache-Control", "private, no-store");
    return c.json(await sessionSummary(db, hub, article, { id: c.get("user").id, role }));
  })
  .get("/:articleId/agreement", requireArticleRole("moderator"), async (c) => {
    // Moderators and owners only: the figures reveal verdicts still waiting, blind, for review.
    c.header("Cache-Control", "private, no-store");
    return c.json(await articleAgreement(c.get("deps").db, c.get("article").article.id));
  })
  .get("/:articleId/participation", requireArticleRole("moderator"), async (c) => {
    const { db, hub } = c.get("deps");
    const { article, role } = c.get("article");
    const { format } = validate(participationQuery, c.req.query());
    const view = await sessionParticipation(db, hub, article, { id: c.get("user").id, role });
    // Names and activity of members: no shared cache may keep them.
    c.header("Cache-Control", "private, no-store");
    if (format === "json") return c.json(view);
    return c.body(participationCsv(view), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      // The id is ASCII by construction, so the header needs no quoting rules.
      "Content-Disposition": `attachment; filename="participation-${article.id}.csv"`,
    });
  });
