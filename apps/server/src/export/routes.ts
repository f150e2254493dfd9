import { Hono } from "hono";
import { z } from "zod";
import { type AppContext, type AppEnv, requireUser } from "../context.ts";
import { uuidParam, validateQuery } from "../http/input.ts";
import { contentDisposition } from "./disposition.ts";
import type { ExportTarget } from "./load.ts";
import { EXPORT_FORMATS, runExport } from "./run.ts";
import { documented, ok, whileMoving } from "../openapi/describe.ts";
import { exportLdSchema } from "../openapi/schemas/formats.ts";

const querySchema = z.object({
  format: z.enum(EXPORT_FORMATS, { error: `Choose one of ${EXPORT_FORMATS.join(", ")}` }),
});

async function sendExport(c: AppContext, scope: "article" | "group") {
  const user = requireUser(c);
  const { db, config, hub } = c.get("deps");
  const target: ExportTarget =
    scope === "article" ? { articleId: uuidParam(c, "articleId", "Article") } : { groupId: uuidParam(c, "groupId", "Group") };
  const { format } = validateQuery(querySchema, c);
  const file = await runExport(db, target, user.id, format, { baseUrl: config.publicOrigin, hub });
  return c.body(file.body, 200, {
    "Content-Type": file.contentType,
    "Content-Disposition": contentDisposition(file),
    // A member's export holds what only they may see: no shared cache may keep it.
    "Cache-Control": "private, no-store",
  });
}

/** Mounted at /api: an article's or a whole group's annotations as a file, for any member. */
export const exportRoutes = new Hono<AppEnv>()
  .get("/articles/:articleId/export", documented({ tag: "exports", summary: "Export an article's annotations you may see", query: querySchema, responses: { ...ok("W3C JSON-LD, ClaimReview JSON-LD, CSV or a Markdown report"), ...whileMoving }, produces: ["application/ld+json", "text/csv", "text/markdown"], schemas: { 200: exportLdSchema } }), (c) => sendExport(c, "article"))
  .get("/groups/:groupId/export", documented({ tag: "exports", summary: "Export a whole group's annotations you may see", query: querySchema, responses: { ...ok("W3C JSON-LD, ClaimReview JSON-LD, CSV or a Markdown report"), ...whileMoving }, produces: ["application/ld+json", "text/csv", "text/markdown"], schemas: { 200: exportLdSchema } }), (c) => sendExport(c, "group"));
