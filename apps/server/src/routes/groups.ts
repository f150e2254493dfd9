import { Hono } from "hono";
import { z } from "zod";
import { groupInsertSchema, groupInvitationInsertSchema, roleSchema } from "@marginalia/schema";
import { accountsFor } from "../access/member-ids.ts";
import { assertRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import type { Db } from "../db.ts";
import { notFound } from "../errors.ts";
import { requireGroupRole } from "../http/access.ts";
import { readJson, uuidParam } from "../http/input.ts";
import {
  changeRole,
  createGroup,
  getGroup,
  presentGroup,
  listGroupsOf,
  listMembers,
  removeMember,
  updateSettings,
} from "../services/groups.ts";
import { inviteMember, listGroupInvitations, revokeInvitation } from "../services/invitations.ts";
import { created, documented, noContent, ok } from "../openapi/describe.ts";
import { groupInvitationListSchema, groupListSchema, groupSchema, invitationSentSchema, memberListSchema, roleChangedSchema } from "../openapi/schemas/groups.ts";

export const createGroupSchema = groupInsertSchema
  .pick({ name: true })
  .extend({ moderation: z.enum(["open", "pre"]).default("open") })
  .strict();
export const inviteSchema = groupInvitationInsertSchema.pick({ email: true, role: true }).strict();
export const changeRoleSchema = z.strictObject({ role: roleSchema });
export const groupSettingsSchema = z
  .strictObject({
    anonymousToPeers: z.boolean().optional(),
    reviewQuorum: z.number().int().min(1).max(10).optional(),
    moderation: z.never({ error: "is chosen when the group is created and cannot change" }).optional(),
  })
  .refine((s) => s.anonymousToPeers !== undefined || s.reviewQuorum !== undefined, "Send anonymousToPeers or reviewQuorum");

export const groupRoutes = new Hono<AppEnv>()
  .post("/", documented({ tag: "groups", summary: "Create a group; you become its owner", body: createGroupSchema, responses: created("The group"), schemas: { 201: groupSchema } }), async (c) => {
    const user = requireUser(c);
    const input = await readJson(c, createGroupSchema);
    return c.json(presentGroup(await createGroup(c.get("deps").db, user.id, input)), 201);
  })
  .get("/", documented({ tag: "groups", summary: "Your groups", responses: ok("Groups with your role"), schemas: { 200: groupListSchema } }), async (c) => {
    const user = requireUser(c);
    return c.json({ groups: await listGroupsOf(c.get("deps").db, user.id) });
  })
  .get("/:groupId", documented({ tag: "groups", summary: "One group", responses: ok("The group and your role"), schemas: { 200: groupSchema } }), requireGroupRole("viewer"), async (c) => {
    const { id, role } = c.get("group");
    return c.json({ ...presentGroup(await getGroup(c.get("deps").db, id)), role });
  })
  .patch("/:groupId", documented({ tag: "groups", summary: "Change settings: anonymity to peers, review quorum (owner)", body: groupSettingsSchema, responses: { 409: "Anonymity can be turned on only before the group’s first annotation, or the new name’s address is taken", 200: "The group and your role", 400: "A quorum above 1 outside a pre-moderated group" }, schemas: { 200: groupSchema } }), requireGroupRole("owner"), async (c) => {
    const { db, hub } = c.get("deps");
    const { anonymousToPeers, reviewQuorum } = await readJson(c, groupSettingsSchema);
    const { id: groupId, role } = c.get("group");
    const { group, renamed, quorumChanged } = await updateSettings(db, groupId, { anonymousToPeers, reviewQuorum }, c.get("user").id);
    // Open sockets joined under the old member ids: they close (4409), and their clients fetch their new id.
    if (renamed) hub.access({ kind: "members-renamed", groupId });
    // Clients place new work by the quorum: they close (4511) and read the settings again.
    if (quorumChanged) hub.access({ kind: "quorum-changed", groupId });
    return c.json({ ...presentGroup(group), role });
  })
  .get("/:groupId/members", documented({ tag: "groups", summary: "Members and their roles", responses: ok("Members"), schemas: { 200: memberListSchema } }), requireGroupRole("viewer"), async (c) => {
    const { id, role } = c.get("group");
    return c.json({ members: await listMembers(c.get("deps").db, id, { id: c.get("user").id, role }) });
  })
  .post("/:groupId/invitations", documented({ tag: "groups", summary: "Invite an email address to join (owner); inviting it again refreshes the open invitation. The answer is the same whether or not the address has an account", body: inviteSchema, responses: { 202: "The invitation" }, schemas: { 202: invitationSentSchema } }), requireGroupRole("owner"), async (c) => {
    const input = await readJson(c, inviteSchema);
    // Accepted, not done: the same answer whether or not anyone has an account with this email.
    const mail = { mailer: c.get("deps").mailer, origin: c.get("deps").config.publicOrigin };
    return c.json({ invitation: await inviteMember(c.get("deps").db, c.get("group").id, c.get("user").id, input, mail) }, 202);
  })
  .get("/:groupId/invitations", documented({ tag: "groups", summary: "The group's open invitations (owner): address, role, status, dates", responses: ok("Invitations"), schemas: { 200: groupInvitationListSchema } }), requireGroupRole("owner"), async (c) => {
    return c.json({ invitations: await listGroupInvitations(c.get("deps").db, c.get("group").id) });
  })
  .delete("/:groupId/invitations/:invitationId", documented({ tag: "groups", summary: "Revoke an open invitation (owner)", responses: noContent }), requireGroupRole("owner"), async (c) => {
    const invitationId = uuidParam(c, "invitationId", "Invitation");
    await revokeInvitation(c.get("deps").db, c.get("group").id, invitationId, c.get("user").id);
    return c.body(null, 204);
  })
  // Members are named by member id, as the members list gives them.
  .patch("/:groupId/members/:memberId", documented({ tag: "groups", summary: "Change a member's role (owner)", body: changeRoleSchema, responses: { ...ok("The membership"), 403: "Not an owner, by the time the change is made", 409: "A group needs at least one owner" }, schemas: { 200: roleChangedSchema } }), requireGroupRole("owner"), async (c) => {
    const { db, hub } = c.get("deps");
    const groupId = c.get("group").id;
    const memberId = uuidParam(c, "memberId", "Member");
    const { role } = await readJson(c, changeRoleSchema);
    const account = await accountOrNotFound(db, groupId, memberId);
    const changed = await changeRole(db, groupId, account, role, c.get("user").id);
    // Open sockets carry on under the new role (a viewer's next write is refused).
    hub.access({ kind: "role-changed", groupId, userId: account, memberId, role });
    return c.json({ memberId, role: changed.role });
  })
  // Anyone may leave; only an owner may remove someone else. Outsiders meet the group's 404 first.
  .delete("/:groupId/members/:memberId", documented({ tag: "groups", summary: "Remove a member, or leave", responses: { ...noContent, 409: "A group needs at least one owner" } }), requireGroupRole("viewer"), async (c) => {
    const { db, hub } = c.get("deps");
    const { id: groupId, role } = c.get("group");
    const memberId = uuidParam(c, "memberId", "Member");
    const account = await accountOrNotFound(db, groupId, memberId);
    if (account !== c.get("user").id) assertRole(role, "owner");
    await removeMember(db, groupId, account, c.get("user").id);
    // Their open sockets close (4403) before this answers: nothing written after the removal reaches them.
    hub.access({ kind: "member-removed", groupId, userId: account });
    return c.body(null, 204);
  });

async function accountOrNotFound(db: Db, groupId: string, memberId: string): Promise<string> {
  const found = await accountsFor(db, groupId, [memberId]);
  if ("unknown" in found) throw notFound("Member");
  return found.accounts[0]!;
}
