import { Hono } from "hono";
import { z } from "zod";
import { groupInsertSchema, roleSchema } from "@marginalia/schema";
import { requireRole } from "../access/membership.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { readJson, uuidParam } from "../http/input.ts";
import {
  addMember,
  changeRole,
  createGroup,
  getGroup,
  listGroupsOf,
  listMembers,
  removeMember,
  updateSettings,
} from "../services/groups.ts";

export const createGroupSchema = groupInsertSchema
  .pick({ name: true })
  .extend({ moderation: z.enum(["open", "pre"]).default("open") })
  .strict();
export const addMemberSchema = z.strictObject({ email: z.string().trim().toLowerCase().pipe(z.email()), role: roleSchema });
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
  .post("/:groupId/members", async (c) => {
    const user = requireUser(c);
    const { db } = c.get("deps");
    const groupId = uuidParam(c, "groupId", "Group");
    await requireRole(db, groupId, user.id, "owner");
    const input = await readJson(c, addMemberSchema);
    const added = await addMember(db, groupId, input);
    // A new member's role, for documents open in the group (who may be assigned, on every process).
    c.get("deps").hub.access({ kind: "role-changed", groupId, userId: added.userId, role: input.role });
    return c.json(added, 201);
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
