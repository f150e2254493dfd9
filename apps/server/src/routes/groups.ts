import { Hono } from "hono";
import { z } from "zod";
import { groupInsertSchema, groupInvitationInsertSchema, roleSchema } from "@marginalia/schema";
import { requireRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { readJson, uuidParam } from "../http/input.ts";
import {
  changeRole,
  createGroup,
  getGroup,
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
    return c.json(await createGroup(c.get("deps").db, user.id, input), 201);
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
    return c.json({ ...(await getGroup(db, groupId)), role });
  })
  .patch("/:groupId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const role = await requireRole(db, groupId, user.id, "owner");
    const { anonymousToPeers, reviewQuorum } = await readJson(c, groupSettingsSchema);
    return c.json({ ...(await updateSettings(db, groupId, { anonymousToPeers, reviewQuorum })), role });
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
    return c.json({ invitation: await inviteMember(db, groupId, user.id, input) }, 202);
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
  .patch("/:groupId/members/:userId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const memberId = uuidParam(c, "userId", "Member");
    await requireRole(db, groupId, user.id, "owner");
    const { role } = await readJson(c, changeRoleSchema);
    const changed = await changeRole(db, groupId, memberId, role);
    // Open sockets carry on under the new role (a viewer's next write is refused).
    c.get("deps").hub.access({ kind: "role-changed", groupId, userId: memberId, role });
    return c.json(changed);
  })
  .delete("/:groupId/members/:userId", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    const memberId = uuidParam(c, "userId", "Member");
    // Anyone may leave; only an owner may remove someone else.
    await requireRole(db, groupId, user.id, memberId === user.id ? "viewer" : "owner");
    await removeMember(db, groupId, memberId);
    // Their open sockets close (4403) before this answers: nothing written after the removal reaches them.
    c.get("deps").hub.access({ kind: "member-removed", groupId, userId: memberId });
    return c.body(null, 204);
  });
