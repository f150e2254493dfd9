import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";
import { holdBeforeWrite } from "../support/held-writes.ts";
import { resetTokenFor } from "../support/mail.ts";

// Signing in, minting tokens and ending an account's credentials at the same moment: whatever ended the
// account's sessions (a password change, a reset, logout-everywhere) must not be outlived by a session or
// token that was being made while it ran.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: { perIp: { points: 10_000, durationSeconds: 60 }, mailsPerAddress: { points: 100, durationSeconds: 600 } } });
});
afterAll(() => t.close());

const NEW_PASSWORD = "a brand new passphrase";

const signedIn = async (client: TestClient) => (await client.get("/api/me")).status === 200;

describe("logins racing a password change", () => {
  it("never outlives a change it raced, over many rounds", async () => {
    for (let round = 0; round < 6; round++) {
      const owner = await signUp(t.app);
      const logins = Array.from({ length: 8 }, () => new TestClient(t.app));
      const [change] = await Promise.all([
        owner.post("/api/auth/password", { currentPassword: owner.password, newPassword: NEW_PASSWORD }),
        ...logins.map((client) => client.post("/api/auth/login", { email: owner.email, password: owner.password })),
      ]);
      expect(change.status).toBe(204);
      for (const client of logins) expect(await signedIn(client)).toBe(false);
    }
  }, 120_000);
});

describe("a login held after its password check, before its session is written", () => {
  // Held through the app's own Db (held-writes.ts): the login's first write is its session.
  const heldLogin = (email: string, password: string) => {
    const late = new TestClient(t.app);
    return { late, ...holdBeforeWrite(t.database.db, () => late.post("/api/auth/login", { email, password })) };
  };

  it("makes no session once signing out everywhere committed meanwhile", async () => {
    const owner = await signUp(t.app);
    const { late, reached, release, answer } = heldLogin(owner.email, owner.password);
    await reached;
    expect((await owner.post("/api/auth/logout-everywhere", {})).status).toBe(204);
    release();
    expect((await answer).status).toBe(401);
    expect(late.cookie).toBeUndefined();
    // The password still stands: signing in again works, and is a fresh session.
    const again = new TestClient(t.app);
    expect((await again.post("/api/auth/login", { email: owner.email, password: owner.password })).status).toBe(200);
    expect(await signedIn(again)).toBe(true);
  }, 60_000);

  it("makes no session once a password change or a reset committed meanwhile", async () => {
    for (const ending of ["change", "reset"] as const) {
      const owner = await signUp(t.app);
      const token = ending === "reset" ? (await new TestClient(t.app).post("/api/auth/password-reset", { email: owner.email }), await resetTokenFor(owner.email)) : "";
      const { late, reached, release, answer } = heldLogin(owner.email, owner.password);
      await reached;
      const resetter = new TestClient(t.app);
      const ended =
        ending === "change"
          ? await owner.post("/api/auth/password", { currentPassword: owner.password, newPassword: NEW_PASSWORD })
          : await resetter.post("/api/auth/password-reset/confirm", { token, newPassword: NEW_PASSWORD });
      expect(ended.status).toBe(ending === "change" ? 204 : 200);
      release();
      expect((await answer).status).toBe(401);
      expect(late.cookie).toBeUndefined();
      // Whoever made the change stays signed in; a reset ends the sessions the account had.
      expect(await signedIn(ending === "change" ? owner : resetter)).toBe(true);
      if (ending === "reset") expect(await signedIn(owner)).toBe(false);
    }
  }, 60_000);

  it("lets a login through when nothing ended meanwhile", async () => {
    const owner = await signUp(t.app);
    const { late, reached, release, answer } = heldLogin(owner.email, owner.password);
    await reached;
    release();
    expect((await answer).status).toBe(200);
    expect(await signedIn(late)).toBe(true);
  }, 60_000);
});

describe("an API token held before it is written", () => {
  it("is not minted once signing out everywhere ended the session minting it", async () => {
    const owner = await signUp(t.app);
    const minter = Object.assign(new TestClient(t.app), { cookie: owner.cookie });
    const { reached, release, answer } = holdBeforeWrite(t.database.db, () => minter.post("/api/tokens", { name: "late" }));
    await reached;
    const other = new TestClient(t.app);
    expect((await other.post("/api/auth/login", { email: owner.email, password: owner.password })).status).toBe(200);
    expect((await other.post("/api/auth/logout-everywhere", {})).status).toBe(204);
    release();
    expect((await answer).status).toBe(401);
    const again = new TestClient(t.app);
    expect((await again.post("/api/auth/login", { email: owner.email, password: owner.password })).status).toBe(200);
    expect((await again.get("/api/tokens")).body.tokens).toEqual([]);
  }, 60_000);
});

describe("API tokens minted while the account's credentials are ended", () => {
  for (const ending of ["password change", "logout-everywhere"] as const) {
    it(`none survives a ${ending} with revokeTokens, over many rounds`, async () => {
      for (let round = 0; round < 8; round++) {
        const owner = await signUp(t.app);
        const thief = new TestClient(t.app);
        expect((await thief.post("/api/auth/login", { email: owner.email, password: owner.password })).status).toBe(200);
        const end = () =>
          ending === "password change"
            ? owner.post("/api/auth/password", { currentPassword: owner.password, newPassword: NEW_PASSWORD, revokeTokens: true })
            : owner.post("/api/auth/logout-everywhere", { revokeTokens: true });
        const mints = Array.from({ length: 30 }, (_, i) => {
          const client = new TestClient(t.app);
          client.cookie = thief.cookie;
          return client.post("/api/tokens", { name: `t${i}` });
        });
        const [ended, ...minted] = await Promise.all([end(), ...mints]);
        expect(ended.status).toBe(204);
        for (const reply of minted) {
          expect([201, 401]).toContain(reply.status);
          if (reply.status !== 201) continue;
          const user = new TestClient(t.app);
          user.bearer = reply.body.token;
          expect((await user.get("/api/me")).status).toBe(401);
        }
        expect(await signedIn(thief)).toBe(false);
      }
    }, 120_000);
  }
});
