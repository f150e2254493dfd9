import { Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { uuidParam, validate } from "../http/input.ts";
import { annotationFilterSchema, queryAnnotations } from "../services/annotation-queries.ts";
import { similarClaims } from "../services/claims.ts";

export const similarClaimsQuery = z.object({ q: z.string().trim().min(3, "Type at least 3 characters").max(500) });

/**
 * Mounted at /api/groups: search across every article of a group, with the per-article list's filters,
 * `q` and cursor paging; each item names its `articleId`. What each caller sees is what they would see
 * article by article (`visibleTo`).
 */
export const groupAnnotationRoutes = new Hono<AppEnv>()
  .get("/:groupId/annotations", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const role = await requireRole(db, groupId, user.id, "viewer");
    // Newest first unless asked otherwise: positions of different articles do not make one order.
    const filter = validate(annotationFilterSchema, { sort: "created", ...c.req.query() });
    return c.json(await queryAnnotations(db, { groupId }, { id: user.id, role }, filter));
  })
  // Claim memory: what the desk already checked, in this or another article, as a claim is being typed.
  .get("/:groupId/claims/similar", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "viewer");
    const { q } = validate(similarClaimsQuery, c.req.query());
    return c.json({ matches: await similarClaims(db, groupId, q) });
  });
