import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";

// An owner's role is checked when a request arrives and again under the group's lock when the change is
// made: requests already on their way when the owner was demoted must not act with the old role.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: { perIp: { points: 10_000, durationSeconds: 60 } } });
});
afterAll(() => t.close());

async function twoOwners() {
  const first = await signUp(t.app, "First");
  const group = await createGroup(first);
  const second = await signUp(t.app, "Second");
  await addMember(first, group.id, second, "owner");
  return { first, second, group };
}

const copyOf = (client: TestClient) => Object.assign(new TestClient(t.app), { cookie: client.cookie });
const members = async (client: TestClient, groupId: string) =>
  (await client.get(`/api/groups/${groupId}/members`)).body.members as { id: string; role: string; self: boolean }[];

describe("an owner demoted while their requests are on the way", () => {
  it("cannot make themselves owner again, over many rounds", async () => {
    for (let round = 0; round < 8; round++) {
      const { first, second, group } = await twoOwners();
      const self = `/api/groups/${group.id}/members/${second.user.id}`;
      const [demoted, ...retakes] = await Promise.all([
        first.patch(self, { role: "viewer" }),
        ...Array.from({ length: 20 }, () => copyOf(second).patch(self, { role: "owner" })),
      ]);
      expect(demoted.status).toBe(200);
      for (const reply of retakes) expect([200, 403]).toContain(reply.status);
      expect((await members(first, group.id)).find((m) => m.id === second.user.id)?.role).toBe("viewer");
    }
  }, 120_000);
});
