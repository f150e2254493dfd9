import type { ModerationMode, Role } from "@marginalia/schema";
import { api } from "./client.ts";

export type GroupSettings = { anonymousToPeers: boolean; reviewQuorum: number };
export type Group = GroupSettings & { id: string; name: string; slug: string; moderation: ModerationMode; role: Role; createdAt: string };
/** In a group anonymous to peers, a member sees others under a pseudonym and without an email. */
/** `id` is the member id, as documents and presence name people; `self` marks you. */
export type Member = { id: string; self: boolean; name: string; email: string | null; role: Role; since: string };

export const createGroup = (input: { name: string; moderation: ModerationMode }) => api<Group>("POST", "/api/groups", { json: input });
export const fetchGroup = (groupId: string) => api<Group>("GET", `/api/groups/${groupId}`);
export const updateGroupSettings = (groupId: string, settings: Partial<GroupSettings>) =>
  api<Group>("PATCH", `/api/groups/${groupId}`, { json: settings });
export const fetchMembers = (groupId: string) =>
  api<{ members: Member[] }>("GET", `/api/groups/${groupId}/members`).then((r) => r.members);
/** An open invitation as the group's owner sees it: an address, never the account behind it. */
export type GroupInvitation = { id: string; email: string; role: Role; status: "pending" | "expired"; createdAt: string; expiresAt: string };
/** An invitation to the signed-in account; `invitedBy` is named as the group names people (null for a deleted account). */
export type MyInvitation = { id: string; groupId: string; groupName: string; role: Role; invitedBy: string | null; createdAt: string; expiresAt: string };

export const inviteMember = (groupId: string, input: { email: string; role: Role }) =>
  api<{ invitation: Pick<GroupInvitation, "id" | "email" | "role" | "status" | "expiresAt"> }>("POST", `/api/groups/${groupId}/invitations`, { json: input });
export const fetchInvitations = (groupId: string) =>
  api<{ invitations: GroupInvitation[] }>("GET", `/api/groups/${groupId}/invitations`).then((r) => r.invitations);
export const revokeInvitation = (groupId: string, invitationId: string) => api<void>("DELETE", `/api/groups/${groupId}/invitations/${invitationId}`);
export const fetchMyInvitations = () => api<{ invitations: MyInvitation[] }>("GET", "/api/me/invitations").then((r) => r.invitations);
export const acceptInvitation = (invitationId: string) =>
  api<{ membership: { groupId: string; userId: string; role: Role; since: string } }>("POST", `/api/invitations/${invitationId}/accept`);
export const declineInvitation = (invitationId: string) => api<void>("POST", `/api/invitations/${invitationId}/decline`);
export const changeRole = (groupId: string, memberId: string, role: Role) =>
  api<{ memberId: string; role: Role }>("PATCH", `/api/groups/${groupId}/members/${memberId}`, { json: { role } });
export const removeMember = (groupId: string, memberId: string) => api<void>("DELETE", `/api/groups/${groupId}/members/${memberId}`);
/**
 * Whether the group holds any annotation its owner can see: anonymity can be turned on only before the
 * first one. Others' private ones and deleted ones count too but are not listed, so the server has the last word.
 */
export const groupHasAnnotations = (groupId: string) =>
  api<{ annotations: unknown[] }>("GET", `/api/groups/${groupId}/annotations?limit=1`).then((r) => r.annotations.length > 0);
