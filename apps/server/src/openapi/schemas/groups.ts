import { z } from "zod";
import { groupInvitationSelectSchema, groupSelectSchema, roleSchema } from "@marginalia/schema";
import { columnsOf, dateTime, listOf } from "./common.ts";

/** Groups, their members and invitations, as services/groups.ts and services/invitations.ts answer them. */

/** A group and the caller's role in it; who created it is left out (an account id would link them). */
export const groupSchema = z.strictObject({
  ...columnsOf(groupSelectSchema, "id", "name", "slug", "moderation", "anonymousToPeers", "reviewQuorum", "createdAt"),
  role: roleSchema.describe("Your role"),
});
export const groupListSchema = listOf("groups", groupSchema);

export const memberListSchema = listOf(
  "members",
  z.strictObject({
    id: z.string().describe("The member id"),
    self: z.boolean().describe("This is you"),
    name: z.string().describe("The name, or a pseudonym in a group anonymous to peers"),
    email: z.string().nullable().describe("Null where the group is anonymous to you"),
    role: roleSchema,
    since: dateTime,
  }),
);

export const roleChangedSchema = z.strictObject({ memberId: z.string(), role: roleSchema });

const invitation = columnsOf(groupInvitationSelectSchema, "id", "email", "role", "createdAt", "expiresAt");

/** The same answer whether or not the address has an account (or is a member already). */
export const invitationSentSchema = z.strictObject({
  invitation: z.strictObject({ id: invitation.id, email: invitation.email, role: invitation.role, status: z.literal("pending"), expiresAt: invitation.expiresAt }),
});

export const groupInvitationListSchema = listOf("invitations", z.strictObject({ ...invitation, status: z.enum(["pending", "expired"]) }));

export const myInvitationListSchema = listOf(
  "invitations",
  z.strictObject({
    ...columnsOf(groupInvitationSelectSchema, "id", "groupId", "role", "createdAt", "expiresAt"),
    groupName: z.string(),
    invitedBy: z.string().nullable().describe("Who invited you, named as the group names people; null for a deleted account"),
  }),
);

export const membershipSchema = z.strictObject({
  membership: z.strictObject({
    groupId: z.uuid(),
    userId: z.uuid().describe("Your account id"),
    role: roleSchema,
    since: dateTime,
    memberId: z.string().nullable().describe("The id the group knows you by"),
  }),
});
