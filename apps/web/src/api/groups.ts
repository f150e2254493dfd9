import type { ModerationMode, Role } from "@marginalia/schema";
import { api } from "./client.ts";

export type GroupSettings = { anonymousToPeers: boolean; reviewQuorum: number };
export type Group = GroupSettings & { id: string; name: string; slug: string; moderation: ModerationMode; role: Role; createdAt: string };
/** In a group anonymous to peers, a member sees others under a pseudonym and without an email. */
export type Member = { userId: string; name: string; email: string | null; role: Role; since: string };

export const createGroup = (input: { name: string; moderation: ModerationMode }) => api<Group>("POST", "/api/groups", { json: input });
export const fetchGroup = (groupId: string) => api<Group>("GET", `/api/groups/${groupId}`);
export const updateGroupSettings = (groupId: string, settings: Partial<GroupSettings>) =>
  api<Group>("PATCH", `/api/groups/${groupId}`, { json: settings });
export const fetchMembers = (groupId: string) =>
  api<{ members: Member[] }>("GET", `/api/groups/${groupId}/members`).then((r) => r.members);
export const addMember = (groupId: string, input: { email: string; role: Role }) =>
  api<Member>("POST", `/api/groups/${groupId}/members`, { json: input });
export const changeRole = (groupId: string, userId: string, role: Role) =>
  api<Member>("PATCH", `/api/groups/${groupId}/members/${userId}`, { json: { role } });
export const removeMember = (groupId: string, userId: string) => api<void>("DELETE", `/api/groups/${groupId}/members/${userId}`);
