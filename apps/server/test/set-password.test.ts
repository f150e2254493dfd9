import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, createTestApp, signUp } from "./support/app.ts";
import { run } from "./support/backup-compare.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** An account with a session and an API token, as someone who took it over would leave it. */
async function heldAccount() {
  const owner = await signUp(t.app);
  const created = await owner.post("/api/tokens", { name: "left behind" });
  expect(created.status).toBe(201);
  const bot = new TestClient(t.app);
  bot.bearer = created.body.token;
  expect((await bot.get("/api/me")).status).toBe(200);
  return { owner, bot };
}

describe("marginalia set-password", () => {
  it("ends the account's sessions and revokes its API tokens", async () => {
    const { owner, bot } = await heldAccount();
    const { notes } = await run(t.database.db, ["set-password", "--email", owner.email, "--password", "reset by the operator"]);
    expect(notes).toContain("ended 1 session, revoked 1 API token");
    expect((await owner.get("/api/me")).status).toBe(401);
    expect((await bot.get("/api/me")).status).toBe(401);
    const fresh = new TestClient(t.app);
    expect((await fresh.post("/api/auth/login", { email: owner.email, password: "reset by the operator" })).status).toBe(200);
  });

  it("keeps the API tokens with --keep-tokens", async () => {
    const { owner, bot } = await heldAccount();
    const { notes } = await run(t.database.db, ["set-password", "--email", owner.email, "--password", "a routine reset", "--keep-tokens"]);
    expect(notes).toContain("kept its API tokens");
    expect((await owner.get("/api/me")).status).toBe(401);
    expect((await bot.get("/api/me")).status).toBe(200);
  });
});
