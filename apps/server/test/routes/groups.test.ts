import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function groupWithMember(role: string) {
  const owner = await signUp(t.app, "Owner");
  const member = await signUp(t.app, "Member");
  const group = await createGroup(owner, "Seminar");
  await addMember(owner, group.id, member, role);
  return { owner, member, group };
}

describe("groups: happy path", () => {
  it("creates a group with the creator as owner and lists it only for members", async () => {
    const owner = await signUp(t.app);
    const res = await owner.post("/api/groups", { name: "Fact desk: Élysée", moderation: "pre" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "Fact desk: Élysée", moderation: "pre", role: "owner" });
    expect(res.body.slug).toMatch(/^fact-desk-elysee/);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);

    const mine = await owner.get("/api/groups");
    expect(mine.body.groups.map((g: { id: string }) => g.id)).toEqual([res.body.id]);
    const stranger = await signUp(t.app);
    expect((await stranger.get("/api/groups")).body.groups).toEqual([]);
  });

  it("gives two groups with one name distinct slugs", async () => {
    const owner = await signUp(t.app);
    const a = await createGroup(owner, "Same Name");
    const b = await createGroup(owner, "Same Name");
    expect(a.slug).not.toBe(b.slug);
  });

  it("lets the owner invite, re-role and remove members", async () => {
    const { owner, member, group } = await groupWithMember("viewer");
    const members = await member.get(`/api/groups/${group.id}/members`);
    expect(members.body.members).toHaveLength(2);

    const promoted = await owner.patch(`/api/groups/${group.id}/members/${member.user.id}`, { role: "moderator" });
    expect(promoted.status).toBe(200);
    expect((await member.get(`/api/groups/${group.id}`)).body.role).toBe("moderator");

    expect((await owner.delete(`/api/groups/${group.id}/members/${member.user.id}`)).status).toBe(204);
    expect((await member.get(`/api/groups/${group.id}`)).status).toBe(404);
  });

  it("lets a member leave on their own", async () => {
    const { member, group } = await groupWithMember("annotator");
    expect((await member.delete(`/api/groups/${group.id}/members/${member.user.id}`)).status).toBe(204);
    expect((await member.get("/api/groups")).body.groups).toEqual([]);
  });
});

describe("groups: errors", () => {
  it("validates the group body", async () => {
    const owner = await signUp(t.app);
    const noName = await owner.post("/api/groups", { moderation: "open" });
    expect(noName.status).toBe(400);
    expect(noName.body.error.field).toBe("name");
    const badMode = await owner.post("/api/groups", { name: "X", moderation: "sometimes" });
    expect(badMode.body.error.field).toBe("moderation");
    // A name is one plain line: an override character would reverse what follows it in invitations.
    for (const name of ["Desk \u202Eevil", "Two\nlines"]) {
      const res = await owner.post("/api/groups", { name, moderation: "open" });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe("name");
    }
  });

  it("no longer adds members directly: people join by accepting an invitation", async () => {
    const { owner, member, group } = await groupWithMember("viewer");
    const other = await signUp(t.app);
    // The path lists members; adding one there is a method it does not take.
    const direct = await owner.post(`/api/groups/${group.id}/members`, { email: other.email, role: "viewer" });
    expect([direct.status, direct.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    expect((await other.get(`/api/groups/${group.id}`)).status).toBe(404);
    const badRole = await owner.post(`/api/groups/${group.id}/invitations`, { email: member.email, role: "admin" });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.field).toBe("role");
  });

  it("never leaves a group without an owner", async () => {
    const { owner, group } = await groupWithMember("viewer");
    const demote = await owner.patch(`/api/groups/${group.id}/members/${owner.user.id}`, { role: "viewer" });
    expect(demote.status).toBe(409);
    expect((await owner.delete(`/api/groups/${group.id}/members/${owner.user.id}`)).status).toBe(409);
    expect((await owner.get(`/api/groups/${group.id}`)).body.role).toBe("owner");
  });
});

describe("groups: security", () => {
  it("hides a group from non-members with 404, malformed ids included", async () => {
    const { group } = await groupWithMember("viewer");
    const stranger = await signUp(t.app);
    for (const path of [`/api/groups/${group.id}`, `/api/groups/${group.id}/members`, `/api/groups/${group.id}/articles`]) {
      const res = await stranger.get(path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await stranger.get("/api/groups/not-a-uuid")).status).toBe(404);
    expect((await stranger.get("/api/groups/..%2F..%2Fetc%2Fpasswd")).status).toBe(404);
    const invite = await stranger.post(`/api/groups/${group.id}/invitations`, { email: stranger.email, role: "owner" });
    expect(invite.status).toBe(404);
  });

  it.each(["moderator", "annotator", "viewer"])("forbids a %s from managing members", async (role) => {
    const { owner, member, group } = await groupWithMember(role);
    const other = await signUp(t.app);
    expect((await member.post(`/api/groups/${group.id}/invitations`, { email: other.email, role: "viewer" })).status).toBe(403);
    expect((await member.patch(`/api/groups/${group.id}/members/${member.user.id}`, { role: "owner" })).status).toBe(403);
    expect((await member.delete(`/api/groups/${group.id}/members/${owner.user.id}`)).status).toBe(403);
  });

  it("requires authentication", async () => {
    const anon = new TestClient(t.app);
    expect((await anon.post("/api/groups", { name: "X" })).status).toBe(401);
    expect((await anon.get("/api/groups")).status).toBe(401);
  });
});
