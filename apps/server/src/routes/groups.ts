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
  .post("/", async (c) => {
    const user = requireUser(c);
    const input = await readJson(c, createGroupSchema);
    return c.json(presentGroup(await createGroup(c.get("deps").db, user.id, input)), 201);
  })
  .get("/", async (c) => {
    const user = requireUser(c);
    return c.json({ groups: await listGroupsOf(c.get("deps").db, user.id) });
  })
  .get("/:groupId", requireGroupRole("viewer"), async (c) => {
    const { id, role } = c.get("group");
    return c.json({ ...presentGroup(await getGroup(c.get("deps").db, id)), role });
  })
  .patch("/:groupId", requireGroupRole("owner"), async (c) => {
    const { db, hub } = c.get("deps");
    const { id: groupId, role } = c.get("group");
    const { anonymousToPeers, reviewQuorum } = await readJson(c, groupSettingsSchema);
    const { group, renamed } = await updateSettings(db, groupId, { anonymousToPeers, reviewQuorum });
    // Open sockets joined under the old member ids: they close (4409), and their clients fetch their new id.
    if (renamed) hub.access({ kind: "members-renamed", groupId });
    return c.json({ ...presentGroup(group), role });
  })
  .get("/:groupId/members", requireGroupRole("viewer"), async (c) => {
    const { id, role } = c.get("group");
    return c.json({ members: await listMembers(c.get("deps").db, id, { id: c.get("user").id, role }) });
  })
  .post("/:groupId/invitations", requireGroupRole("owner"), async (c) => {
    const input = await readJson(c, inviteSchema);
    // Accepted, not done: the same answer whether or not anyone has an account with this email.
    const mail = { mailer: c.get("deps").mailer, origin: c.get("deps").config.publicOrigin };
    return c.json({ invitation: await inviteMember(c.get("deps").db, c.get("group").id, c.get("user").id, input, mail) }, 202);
  })
  .get("/:groupId/invitations", requireGroupRole("owner"), async (c) => {
    return c.json({ invitations: await listGroupInvitations(c.get("deps").db, c.get("group").id) });
  })
  .delete("/:groupId/invitations/:invitationId", requireGroupRole("owner"), async (c) => {
    const invitationId = uuidParam(c, "invitationId", "Invitation");
    await revokeInvitation(c.get("deps").db, c.get("group").id, invitationId);
    return c.body(null, 204);
  })
  // Members are named by member id, as the members list gives them.
  .patch("/:groupId/members/:memberId", requireGroupRole("owner"), async (c) => {
    const { db, hub } = c.get("deps");
    const groupId = c.get("group").id;
    const memberId = uuidParam(c, "memberId", "Member");
    const { role } = await readJson(c, changeRoleSchema);
    const account = await accountOrNotFound(db, groupId, memberId);
    const changed = await changeRole(db, groupId, account, role);
    // Open sockets carry on under the new role (a viewer's next write is refused).
    hub.access({ kind: "role-changed", groupId, userId: account, memberId, role });
    return c.json({ memberId, role: changed.role });
  })
  // Anyone may leave; only an owner may remove someone else. Outsiders meet the group's 404 first.
  .delete("/:groupId/members/:memberId", requireGroupRole("viewer"), async (c) => {
    const { db, hub } = c.get("deps");
    const { id: groupId, role } = c.get("group");
    const memberId = uuidParam(c, "memberId", "Member");
    const account = await accountOrNotFound(db, groupId, memberId);
    if (account !== c.get("user").id) assertRole(role, "owner");
    await removeMember(db, groupId, account);
    // Their open sockets close (4403) before this answers: nothing written after the removal reaches them.
    hub.access({ kind: "member-removed", groupId, userId: account });
    return c.body(null, 204);
  });

async function accountOrNotFound(db: Db, groupId: string, memberId: string): Promise<string> {
  const found = await accountsFor(db, groupId, [memberId]);
  if ("unknown" in found) throw notFound("Member");
  return found.accounts[0]!;
}
