import { eq } from "drizzle-orm";
import { apiTokens } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("API tokens", () => {
  it("shows a new token once, stores it hashed and accepts it as Bearer", async () => {
    const owner = await signUp(t.app);
    const created = await owner.post("/api/tokens", { name: "CLI" });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^mgt_[a-z2-9]{24}\.[a-z2-9]{24}$/);

    const [row] = await t.database.db.select().from(apiTokens).where(eq(apiTokens.id, created.body.id));
    expect(JSON.stringify(row)).not.toContain(token.split(".")[1]);

    const listed = await owner.get("/api/tokens");
    expect(listed.body.tokens).toEqual([expect.objectContaining({ id: created.body.id, name: "CLI" })]);
    expect(JSON.stringify(listed.body)).not.toContain(token.split(".")[1]);

    const bot = new TestClient(t.app);
    bot.bearer = token;
    const me = await bot.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: owner.user.id }, via: "token" });
  });

  it("stops accepting a revoked token", async () => {
    const owner = await signUp(t.app);
    const { body } = await owner.post("/api/tokens", { name: "temp" });
    expect((await owner.delete(`/api/tokens/${body.id}`)).status).toBe(204);
    const bot = new TestClient(t.app);
    bot.bearer = body.token;
    expect((await bot.get("/api/me")).status).toBe(401);
    expect((await owner.get("/api/tokens")).body.tokens).toEqual([]);
  });

  it("does not let one user revoke or see another's token", async () => {
    const alice = await signUp(t.app);
    const mallory = await signUp(t.app);
    const { body } = await alice.post("/api/tokens", { name: "alice" });
    expect((await mallory.delete(`/api/tokens/${body.id}`)).status).toBe(404);
    expect((await mallory.get("/api/tokens")).body.tokens).toEqual([]);
  });

  it("rejects a token with a wrong secret, and a missing name", async () => {
    const owner = await signUp(t.app);
    const { body } = await owner.post("/api/tokens", { name: "real" });
    const bot = new TestClient(t.app);
    bot.bearer = `${body.token.split(".")[0]}.bbbbbbbbbbbbbbbbbbbbbbbb`;
    expect((await bot.get("/api/me")).status).toBe(401);
    const missing = await owner.post("/api/tokens", {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe("name");
    expect((await new TestClient(t.app).post("/api/tokens", { name: "x" })).status).toBe(401);
  });
});

describe("what a token may do to the account", () => {
  it("refuses a plain token minting or revoking tokens, changing the password or signing out everywhere; a tokens-scoped one may manage tokens", async () => {
    const user = await signUp(t.app);
    const plain = (await user.post("/api/tokens", { name: "script" })).body;
    const scoped = (await user.post("/api/tokens", { name: "manager", scopes: ["tokens"] })).body;
    expect(scoped.scopes).toEqual(["tokens"]);
    const asPlain = new TestClient(t.app);
    asPlain.bearer = plain.token;
    expect((await asPlain.post("/api/tokens", { name: "child" })).status).toBe(403);
    expect((await asPlain.delete(`/api/tokens/${scoped.id}`)).status).toBe(403);
    expect((await asPlain.get("/api/tokens")).status).toBe(403); // it would learn every other token's name and last use
    expect((await asPlain.post("/api/auth/password", { currentPassword: user.password, newPassword: "a new passphrase" })).status).toBe(403);
    expect((await asPlain.post("/api/auth/logout-everywhere")).status).toBe(403);
    expect((await asPlain.get("/api/me")).status).toBe(200); // still good for ordinary work
    const asScoped = new TestClient(t.app);
    asScoped.bearer = scoped.token;
    const child = await asScoped.post("/api/tokens", { name: "child" });
    expect(child.status).toBe(201);
    expect((await asScoped.get("/api/tokens")).body.tokens.map((x: { id: string }) => x.id)).toContain(child.body.id);
    expect((await asScoped.delete(`/api/tokens/${child.body.id}`)).status).toBe(204);
    expect((await asScoped.post("/api/tokens", { name: "bad", scopes: ["admin"] })).status).toBe(400);
  });
});

describe("tokens minted by tokens", () => {
  const as = (token: string) => Object.assign(new TestClient(t.app), { bearer: token });

  it("revokes a token's children and grandchildren with it, and nothing else", async () => {
    const user = await signUp(t.app);
    const manager = (await user.post("/api/tokens", { name: "manager", scopes: ["tokens"] })).body;
    const sibling = (await user.post("/api/tokens", { name: "sibling", scopes: ["tokens"] })).body;
    const child = (await as(manager.token).post("/api/tokens", { name: "child", scopes: ["tokens"] })).body;
    const grandchild = (await as(child.token).post("/api/tokens", { name: "grandchild" })).body;
    const cousin = (await as(sibling.token).post("/api/tokens", { name: "cousin" })).body;
    const listed = (await user.get("/api/tokens")).body.tokens as { id: string; mintedBy: string | null }[];
    expect(Object.fromEntries(listed.map((x) => [x.id, x.mintedBy]))).toEqual({
      [manager.id]: null,
      [sibling.id]: null,
      [child.id]: manager.id,
      [grandchild.id]: child.id,
      [cousin.id]: sibling.id,
    });

    expect((await user.delete(`/api/tokens/${manager.id}`)).status).toBe(204);
    for (const gone of [manager, child, grandchild]) expect((await as(gone.token).get("/api/me")).status).toBe(401);
    for (const kept of [sibling, cousin]) expect((await as(kept.token).get("/api/me")).status).toBe(200);
  });

  it("ends what a token minted when it signs itself out", async () => {
    const user = await signUp(t.app);
    const manager = (await user.post("/api/tokens", { name: "manager", scopes: ["tokens"] })).body;
    const child = (await as(manager.token).post("/api/tokens", { name: "child" })).body;
    expect((await as(manager.token).post("/api/auth/logout")).status).toBe(204);
    expect((await as(child.token).get("/api/me")).status).toBe(401);
  });
});

describe("password change and signing out everywhere", () => {
  it("changes the password, ends the other sessions but this one, and refuses a wrong current password", async () => {
    const user = await signUp(t.app);
    const other = new TestClient(t.app);
    expect((await other.post("/api/auth/login", { email: user.email, password: user.password })).status).toBe(200);
    expect((await user.post("/api/auth/password", { currentPassword: "not it at all", newPassword: "a new passphrase" })).status).toBe(401);
    expect((await user.post("/api/auth/password", { currentPassword: user.password, newPassword: "a new passphrase" })).status).toBe(204);
    expect((await user.get("/api/me")).status).toBe(200);
    expect((await other.get("/api/me")).status).toBe(401);
    const fresh = new TestClient(t.app);
    expect((await fresh.post("/api/auth/login", { email: user.email, password: user.password })).status).toBe(401);
    expect((await fresh.post("/api/auth/login", { email: user.email, password: "a new passphrase" })).status).toBe(200);
  });

  it("signs every session out, this one included", async () => {
    const user = await signUp(t.app);
    const other = new TestClient(t.app);
    await other.post("/api/auth/login", { email: user.email, password: user.password });
    expect((await user.post("/api/auth/logout-everywhere")).status).toBe(204);
    expect((await user.get("/api/me")).status).toBe(401);
    expect((await other.get("/api/me")).status).toBe(401);
  });

  it("revokes the account's API tokens too when asked, closing their sockets, on both routes", async () => {
    const user = await signUp(t.app);
    const asToken = (token: string) => Object.assign(new TestClient(t.app), { bearer: token });
    const kept = asToken((await user.post("/api/tokens", { name: "kept" })).body.token);
    expect((await user.post("/api/auth/password", { currentPassword: user.password, newPassword: "a new passphrase" })).status).toBe(204);
    expect((await kept.get("/api/me")).status).toBe(200);
    expect((await user.post("/api/auth/password", { currentPassword: "a new passphrase", newPassword: "a third passphrase", revokeTokens: true })).status).toBe(204);
    expect((await kept.get("/api/me")).status).toBe(401);
    expect((await user.get("/api/tokens")).body.tokens).toEqual([]);

    const second = asToken((await user.post("/api/tokens", { name: "second" })).body.token);
    expect((await user.post("/api/auth/logout-everywhere", { revokeTokens: "yes" })).status).toBe(400);
    expect((await second.get("/api/me")).status).toBe(200);
    expect((await user.post("/api/auth/logout-everywhere", { revokeTokens: true })).status).toBe(204);
    expect((await second.get("/api/me")).status).toBe(401);
    expect((await user.get("/api/me")).status).toBe(401);
  });
});

describe("renaming yourself", () => {
  it("changes the name the account and its groups show, signed in with a password only", async () => {
    const owner = await signUp(t.app, "Owner");
    const member = await signUp(t.app, "Old Name");
    const group = await createGroup(owner);
    await addMember(owner, group.id, member, "annotator");
    const renamed = await member.patch("/api/me", { name: "  Nasrin Rahimi " });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user).toEqual({ id: member.user.id, email: member.email, name: "Nasrin Rahimi" });
    expect((await member.get("/api/me")).body.user.name).toBe("Nasrin Rahimi");
    const listed = (await owner.get(`/api/groups/${group.id}/members`)).body.members as Array<{ email: string; name: string }>;
    expect(listed.find((m) => m.email === member.email)?.name).toBe("Nasrin Rahimi");

    const script = Object.assign(new TestClient(t.app), { bearer: (await member.post("/api/tokens", { name: "script" })).body.token });
    expect((await script.patch("/api/me", { name: "Renamed by a script" })).status).toBe(403);
    for (const name of ["", "Line\nbreak", "x".repeat(101), "Eve \u202E"]) {
      const refused = await member.patch("/api/me", { name });
      expect(refused.status, JSON.stringify(name)).toBe(400);
      expect(refused.body.error.field).toBe("name");
    }
    expect((await member.patch("/api/me", { name: "Ok", email: "new@example.test" })).status).toBe(400);
    expect((await member.get("/api/me")).body.user.name).toBe("Nasrin Rahimi");
  });
});
