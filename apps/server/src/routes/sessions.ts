import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { requireArticleRole } from "../http/access.ts";
import { validateQuery } from "../http/input.ts";
import { articleAgreement } from "../services/agreement.ts";
import { participationCsv, sessionParticipation } from "../services/participation.ts";
import { sessionSummary } from "../services/summary.ts";
import { documented, ok } from "../openapi/describe.ts";
import { agreementSchema, participationSchema, sessionSummarySchema } from "../openapi/schemas/sessions.ts";

export const participationQuery = z.object({
  format: z.enum(["json", "csv"], { error: "Choose json or csv" }).default("json"),
});

/** Mounted at /api/articles: an article's live session, as numbers. */
export const sessionRoutes = new Hono<AppEnv>()
  .get("/:articleId/summary", documented({ tag: "sessions", summary: "The live session's numbers: claims, verdicts, threads, who is working on what, activity", responses: ok("The summary"), schemas: { 200: sessionSummarySchema } }), requireArticleRole("viewer"), async (c) => {
    const { db, hub } = c.get("deps");
    const { article, role } = c.get("article");
    c.header("Cache-Control", "private, no-store");
    return c.json(await sessionSummary(db, hub, article, { id: c.get("user").id, role }));
  })
  .get("/:articleId/agreement", documented({ tag: "sessions", summary: "How far reviewers agree: Krippendorff's ordinal alpha over the six-point verdict scale (unverifiable left out), passages as units, every submitted verdict (pending or published) counted (moderators and owners)", responses: { ...ok("Agreement over the article and passage by passage"), 403: "Below moderator" }, schemas: { 200: agreementSchema } }), requireArticleRole("moderator"), async (c) => {
    // Moderators and owners only: the figures reveal verdicts still waiting, blind, for review.
    c.header("Cache-Control", "private, no-store");
    return c.json(await articleAgreement(c.get("deps").db, c.get("article").article.id));
  })
  .get("/:articleId/participation", documented({ tag: "sessions", summary: "Each member's participation (moderator), as JSON or CSV", query: participationQuery, responses: ok("One row per member; text/csv with format=csv"), produces: ["application/json", "text/csv"], schemas: { 200: participationSchema } }), requireArticleRole("moderator"), async (c) => {
    const { db, hub } = c.get("deps");
    const { article, role } = c.get("article");
    const { format } = validateQuery(participationQuery, c);
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
