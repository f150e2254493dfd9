import { Hono } from "hono";
import { memberIdOf } from "../access/member-ids.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { uuidParam } from "../http/input.ts";
import { acceptInvitation, declineInvitation } from "../services/invitations.ts";
import { created, documented, noContent } from "../openapi/describe.ts";
import { membershipSchema } from "../openapi/schemas/groups.ts";

/** The invitee's side of a group invitation: only the account with the invited email may answer it. */
export const invitationRoutes = new Hono<AppEnv>()
  .post("/:invitationId/accept", documented({ tag: "groups", summary: "Accept an invitation to your email: you join the group in the invited role", responses: { ...created("The membership"), 200: "Already a member: the membership as it was", 404: "No such invitation for you, or revoked", 409: "Already accepted or declined", 410: "invitation_expired" }, schemas: { 200: membershipSchema, 201: membershipSchema } }), async (c) => {
    const user = requireUser(c);
    const { db, hub } = c.get("deps");
    const invitationId = uuidParam(c, "invitationId", "Invitation");
    const { created, membership } = await acceptInvitation(db, invitationId, user);
    // A new member's role, for documents open in the group (who may be assigned, on every process).
    const memberId = await memberIdOf(db, membership.groupId, user.id);
    if (created && memberId) hub.access({ kind: "role-changed", groupId: membership.groupId, userId: user.id, memberId, role: membership.role });
    return c.json({ membership: { ...membership, memberId } }, created ? 201 : 200);
  })
  .post("/:invitationId/decline", documented({ tag: "groups", summary: "Decline an invitation to your email", responses: { ...noContent, 404: "No such invitation for you, or revoked", 409: "Already accepted or declined", 410: "invitation_expired" } }), async (c) => {
    const user = requireUser(c);
    const invitationId = uuidParam(c, "invitationId", "Invitation");
    await declineInvitation(c.get("deps").db, invitationId, user);
    return c.body(null, 204);
  });
