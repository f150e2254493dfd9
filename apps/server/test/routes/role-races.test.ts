import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";

/** When set, the next route to look up a member waits here: after its role check, before its transaction. */
const gate = vi.hoisted(() => ({ next: null as null | (() => Promise<void>) }));
vi.mock("../../src/access/member-ids.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/access/member-ids.ts")>();
  return {
    ...original,
    accountsFor: async (...args: Parameters<typeof original.accountsFor>) => {
      const wait = gate.next;
      gate.next = null;
      await wait?.();
      return original.accountsFor(...args);
    },
  };
});

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

  it("cannot remove a member once the demotion committed", async () => {
    const { first, second, group } = await twoOwners();
    const third = await signUp(t.app, "Third");
    await addMember(first, group.id, third, "annotator");
    let reached!: () => void;
    let release!: () => void;
    const atLookup = new Promise<void>((resolve) => (reached = resolve));
    gate.next = () => (reached(), new Promise<void>((resolve) => (release = resolve)));
    const removal = second.delete(`/api/groups/${group.id}/members/${third.user.id}`);
    await atLookup;
    expect((await first.patch(`/api/groups/${group.id}/members/${second.user.id}`, { role: "viewer" })).status).toBe(200);
    release();
    expect((await removal).status).toBe(403);
    expect((await members(first, group.id)).find((m) => m.id === third.user.id)?.role).toBe("annotator");
  }, 60_000);

  it("cannot change a role once the demotion committed", async () => {
    const { first, second, group } = await twoOwners();
    let reached!: () => void;
    let release!: () => void;
    const atLookup = new Promise<void>((resolve) => (reached = resolve));
    gate.next = () => (reached(), new Promise<void>((resolve) => (release = resolve)));
    const retake = second.patch(`/api/groups/${group.id}/members/${second.user.id}`, { role: "owner" });
    await atLookup;
    expect((await first.patch(`/api/groups/${group.id}/members/${second.user.id}`, { role: "viewer" })).status).toBe(200);
    release();
    expect((await retake).status).toBe(403);
    expect((await members(first, group.id)).find((m) => m.id === second.user.id)?.role).toBe("viewer");
  }, 60_000);
});
