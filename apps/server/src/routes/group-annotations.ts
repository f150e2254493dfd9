import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { requireGroupRole } from "../http/access.ts";
import { validateQuery } from "../http/input.ts";
import { readAnchored } from "../anchoring/anchored-reads.ts";
import { groupAnnotationFilterSchema, queryAnnotations } from "../services/annotation-queries.ts";
import { similarClaims } from "../services/claims.ts";
import { documented, ok, whileMoving } from "../openapi/describe.ts";
import { annotationPageSchema, similarClaimsSchema } from "../openapi/schemas/annotations.ts";

export const similarClaimsQuery = z.object({ q: z.string().trim().min(3, "Type at least 3 characters").max(500) });

/**
 * Mounted at /api/groups: search across every article of a group, with the per-article list's filters,
 * `q` and cursor paging; each item names its `articleId`. What each caller sees is what they would see
 * article by article (`visibleTo`).
 */
export const groupAnnotationRoutes = new Hono<AppEnv>()
  .get("/:groupId/annotations", documented({ tag: "annotations", summary: "Search every article of a group with the per-article filters, q and cursor paging (newest first unless sort is given); each item has its articleId", query: groupAnnotationFilterSchema, responses: { ...ok("A page and the next cursor"), ...whileMoving }, schemas: { 200: annotationPageSchema } }), requireGroupRole("viewer"), async (c) => {
    const { id: groupId, role } = c.get("group");
    const filter = validateQuery(groupAnnotationFilterSchema, c);
    // Like an article's list, it waits for any of the group's articles a correction is moving (anchoring/anchored-reads.ts).
    const read = () => queryAnnotations(c.get("deps").db, { groupId }, { id: c.get("user").id, role }, filter);
    const { annotations, nextCursor } = await readAnchored(c.get("deps"), null, read);
    return c.json({ annotations, nextCursor });
  })
  // Claim memory: what the desk already checked, in this or another article, as a claim is being typed.
  .get("/:groupId/claims/similar", documented({ tag: "annotations", summary: "Claim memory: the group's published fact-checks whose claims read most like q (trigram similarity and full-text rank, in Postgres), best first, at most 10", query: similarClaimsQuery, responses: ok("The matches, best first"), schemas: { 200: similarClaimsSchema } }), requireGroupRole("viewer"), async (c) => {
    const { q } = validateQuery(similarClaimsQuery, c);
    return c.json({ matches: await similarClaims(c.get("deps").db, c.get("group").id, q) });
  });
