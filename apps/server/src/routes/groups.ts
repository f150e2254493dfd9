import { Hono } from "hono";
import { z } from "zod";
import { groupInsertSchema, groupInvitationInsertSchema, roleSchema } from "@marginalia/schema";
import { accountsFor } from "../access/member-ids.ts";
import { requireRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import type { Db } from "../db.ts";
import { notFound } from "../errors.ts";
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
  .get("/:groupId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const role = await requireRole(db, groupId, user.id, "viewer");
    return c.json({ ...presentGroup(await getGroup(db, groupId)), role });
  })
  .patch("/:groupId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const role = await requireRole(db, groupId, user.id, "owner");
    const { anonymousToPeers, reviewQuorum } = await readJson(c, groupSettingsSchema);
    const { group, renamed } = await updateSettings(db, groupId, { anonymousToPeers, reviewQuorum });
    // Open sockets joined under the old member ids: they close (4409), and their clients fetch their new id.
    if (renamed) c.get("deps").hub.access({ kind: "members-renamed", groupId });
    return c.json({ ...presentGroup(group), role });
  })
  .get("/:groupId/members", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const role = await requireRole(db, groupId, user.id, "viewer");
    return c.json({ members: await listMembers(db, groupId, { id: user.id, role }) });
  })
  .post("/:groupId/invitations", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    const input = await readJson(c, inviteSchema);
    // Accepted, not done: the same answer whether or not anyone has an account with this email.
    const mail = { mailer: c.get("deps").mailer, origin: c.get("deps").config.publicOrigin };
    return c.json({ invitation: await inviteMember(db, groupId, user.id, input, mail) }, 202);
  })
  .get("/:groupId/invitations", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    return c.json({ invitations: await listGroupInvitations(db, groupId) });
  })
  .delete("/:groupId/invitations/:invitationId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const invitationId = uuidParam(c, "invitationId", "Invitation");
    await requireRole(db, groupId, user.id, "owner");
    await revokeInvitation(db, groupId, invitationId);
    return c.body(null, 204);
  })
  // Members are named by member id, as the members list gives them.
  .patch("/:groupId/members/:memberId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const memberId = uuidParam(c, "memberId", "Member");
    await requireRole(db, groupId, user.id, "owner");
    const { role } = await readJson(c, changeRoleSchema);
    const account = await accountOrNotFound(db, groupId, memberId);
    const changed = await changeRole(db, groupId, account, role);
    // Open sockets carry on under the new role (a viewer's next write is refused).
    c.get("deps").hub.access({ kind: "role-changed", groupId, userId: account, memberId, role });
    return c.json({ memberId, role: changed.role });
  })
  .delete("/:groupId/members/:memberId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const memberId = uuidParam(c, "memberId", "Member");
    // Anyone may leave; only an owner may remove someone else. Outsiders meet the group's 404 first.
    await requireRole(db, groupId, user.id, "viewer");
    const account = await accountOrNotFound(db, groupId, memberId);
    if (account !== user.id) await requireRole(db, groupId, user.id, "owner");
    await removeMember(db, groupId, account);
    // Their open sockets close (4403) before this answers: nothing written after the removal reaches them.
    c.get("deps").hub.access({ kind: "member-removed", groupId, userId: account });
    return c.body(null, 204);
  });

async function accountOrNotFound(db: Db, groupId: string, memberId: string): Promise<string> {
  const found = await accountsFor(db, groupId, [memberId]);
  if ("unknown" in found) throw notFound("Member");
  return found.accounts[0]!;
}
