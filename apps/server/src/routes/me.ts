import { Hono } from "hono";
import { z } from "zod";
import { type AppEnv, requireAuth, requireUser } from "../context.ts";
import { validate } from "../http/input.ts";
import { listAssignments } from "../services/assignments.ts";
import { listGroupsOf } from "../services/groups.ts";
import { listMyInvitations } from "../services/invitations.ts";

export const myAssignmentsQuery = z.object({
  /** Only what I have not answered yet. */
  open: z.enum(["true", "false"]).transform((v) => v === "true").default(false),
});

export const meRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const auth = requireAuth(c);
    const groups = await listGroupsOf(c.get("deps").db, auth.user.id);
    return c.json({ user: auth.user, via: auth.via, groups });
  })
  .get("/assignments", async (c) => {
    const user = requireUser(c);
    const { open } = validate(myAssignmentsQuery, c.req.query());
    return c.json({ assignments: await listAssignments(c.get("deps").db, user.id, { open }) });
  })
  .get("/invitations", async (c) => {
    const user = requireUser(c);
    return c.json({ invitations: await listMyInvitations(c.get("deps").db, user) });
  });
