import { and, eq } from "drizzle-orm";
import { memberships } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const isMember = async (groupId: string, userId: string) =>
  (await t.database.db.select().from(memberships).where(and(eq(memberships.groupId, groupId), eq(memberships.userId, userId)))).length > 0;

describe("an invitation answered while its inviter stops being an owner", () => {
  it("either joins before the inviter goes or is refused after, never failing", async () => {
    const [inviter, coOwner, invitee] = await Promise.all([signUp(t.app, "Inviter Ina"), signUp(t.app, "Co-owner Cai"), signUp(t.app, "Invitee Ivo")]);
    for (let round = 0; round < 12; round++) {
      const group = await createGroup(inviter, `Race ${round}`);
      await addMember(inviter, group.id, coOwner, "owner");
      const invited = await inviter.post(`/api/groups/${group.id}/invitations`, { email: invitee.email, role: "annotator" });
      expect(invited.status).toBe(202);
      // Removal on even rounds, demotion on odd ones: both withdraw what the inviter sent.
      const [ousted, accepted] = await Promise.all([
        round % 2 === 0
          ? coOwner.delete(`/api/groups/${group.id}/members/${inviter.user.id}`)
          : coOwner.patch(`/api/groups/${group.id}/members/${inviter.user.id}`, { role: "viewer" }),
        invitee.post(`/api/invitations/${invited.body.invitation.id}/accept`),
      ]);
      expect(ousted.status, JSON.stringify(ousted.body)).toBe(round % 2 === 0 ? 204 : 200);
      expect([201, 404], JSON.stringify(accepted.body)).toContain(accepted.status);
      expect(await isMember(group.id, invitee.user.id)).toBe(accepted.status === 201);
    }
  });
});
