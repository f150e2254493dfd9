import { Hono } from "hono";
import { z } from "zod";
import { userInsertSchema } from "@marginalia/schema";
import { type AppEnv, requireAccountAccess, requireAuth, requireUser } from "../context.ts";
import { readJson, validateQuery } from "../http/input.ts";
import { listAssignments } from "../services/assignments.ts";
import { listGroupsOf } from "../services/groups.ts";
import { listMyInvitations } from "../services/invitations.ts";
import { renameUser } from "../services/users.ts";
import { documented, ok } from "../openapi/describe.ts";
import { myAssignmentsSchema } from "../openapi/schemas/annotations.ts";
import { meSchema, userResponseSchema } from "../openapi/schemas/accounts.ts";
import { myInvitationListSchema } from "../openapi/schemas/groups.ts";

export const myAssignmentsQuery = z.object({
  /** Only what I have not answered yet. */
  open: z.enum(["true", "false"]).transform((v) => v === "true").default(false),
});

export const renameSchema = userInsertSchema.pick({ name: true }).strict();

export const meRoutes = new Hono<AppEnv>()
  .get("/", documented({ tag: "auth", summary: "The signed-in user and their groups", responses: ok("The user"), schemas: { 200: meSchema } }), async (c) => {
    const auth = requireAuth(c);
    const groups = await listGroupsOf(c.get("deps").db, auth.user.id);
    return c.json({ user: auth.user, via: auth.via, groups });
  })
  .patch("/", documented({ tag: "auth", summary: "Change your name, as groups that show names show it (signed in, not with a token); sockets open now keep the old one in presence until they reconnect", body: renameSchema, responses: { ...ok("The user"), 403: "Called with an API token" }, schemas: { 200: userResponseSchema } }), async (c) => {
    const auth = requireAccountAccess(c);
    const { name } = await readJson(c, renameSchema);
    return c.json({ user: await renameUser(c.get("deps").db, auth.user.id, name) });
  })
  .get("/assignments", documented({ tag: "annotations", summary: "Annotations assigned to you that you may see, soonest due first", query: myAssignmentsQuery, responses: ok("Assignments with due time, overdue flag, your answer and progress"), schemas: { 200: myAssignmentsSchema } }), async (c) => {
    const user = requireUser(c);
    const { open } = validateQuery(myAssignmentsQuery, c);
    return c.json({ assignments: await listAssignments(c.get("deps").db, user.id, { open }) });
  })
  .get("/invitations", documented({ tag: "groups", summary: "Open invitations to your account's email, with the group and who invited you (as the group names people)", responses: ok("Invitations"), schemas: { 200: myInvitationListSchema } }), async (c) => {
    const user = requireUser(c);
    return c.json({ invitations: await listMyInvitations(c.get("deps").db, user) });
  });
