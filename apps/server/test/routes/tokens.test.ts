import { eq } from "drizzle-orm";
import { apiTokens } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";

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
