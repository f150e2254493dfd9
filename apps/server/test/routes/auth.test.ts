import { sha256 } from "@oslojs/crypto/sha2";
import { eq } from "drizzle-orm";
import { sessions } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMailbox } from "../../src/mail/mailbox.ts";
import { TEST_ORIGIN, type TestApp, TestClient, createTestApp, freshEmail, signUp } from "../support/app.ts";
import { TEST_MAIL_DIR, signupTokenFor } from "../support/mail.ts";
import { eventually } from "../support/sync-client.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    rateLimits: { perIp: { points: 6, durationSeconds: 60 }, backoff: { freeFailures: 3, accountThreshold: 6, accountPaceMs: 400 } },
  });
});
afterAll(() => t.close());

const sessionIdOf = (client: TestClient) => client.cookie!.split("=")[1]!.split(".")[0]!;

describe("sign-up and sessions: happy path", () => {
  it("signup mails a link; confirming it returns 201, sets an HttpOnly SameSite=Lax cookie and /api/me knows the user", async () => {
    const client = new TestClient(t.app);
    const email = freshEmail();
    const requested = await client.post("/api/auth/signup", { email, password: "long enough pw", name: "Ada" });
    expect(requested.status).toBe(202);
    expect(requested.headers.get("set-cookie")).toBeNull();
    const res = await client.post("/api/auth/confirm", { token: await signupTokenFor(email), password: "long enough pw" });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email, name: "Ada" });
    expect(res.body.user.passwordHash).toBeUndefined();
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/marginalia_session=[a-z2-9]{24}\.[a-z2-9]{24}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Expires=/i);

    const me = await client.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: res.body.user.id, email, name: "Ada" });
    expect(me.body.groups).toEqual([]);
  });

  it("stores only the SHA-256 of the session secret", async () => {
    const client = await signUp(t.app);
    const [id, secret] = client.cookie!.split("=")[1]!.split(".") as [string, string];
    const [row] = await t.database.db.select().from(sessions).where(eq(sessions.id, id));
    expect(Buffer.from(row!.secretHash)).toEqual(Buffer.from(sha256(new TextEncoder().encode(secret))));
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("login issues a fresh token each time, and logout ends only that session", async () => {
    const client = await signUp(t.app);
    const first = client.cookie;
    const again = new TestClient(t.app);
    expect((await again.post("/api/auth/login", { email: client.email.toUpperCase(), password: client.password })).status).toBe(200);
    expect(again.cookie).toBeDefined();
    expect(again.cookie).not.toBe(first);

    expect((await again.post("/api/auth/logout")).status).toBe(204);
    expect(again.cookie).toBeUndefined();
    // The first session was not touched by the second one's logout.
    expect((await client.get("/api/me")).status).toBe(200);
  });

  it("a logout made with an API token revokes that token, and only that one", async () => {
    const owner = await signUp(t.app);
    const made = async (name: string) => (await owner.post("/api/tokens", { name })).body.token as string;
    const [ending, other] = [await made("script"), await made("other script")];
    const script = new TestClient(t.app);
    script.bearer = ending;
    expect((await script.get("/api/me")).status).toBe(200);
    expect((await script.post("/api/auth/logout")).status).toBe(204);
    expect((await script.get("/api/me")).status).toBe(401);
    const still = new TestClient(t.app);
    still.bearer = other;
    expect((await still.get("/api/me")).status).toBe(200);
    expect((await owner.get("/api/me")).status).toBe(200);
  });

  it("a logged-out cookie no longer authenticates", async () => {
    const client = await signUp(t.app);
    const cookie = client.cookie;
    await client.post("/api/auth/logout");
    const replay = new TestClient(t.app);
    replay.cookie = cookie;
    expect((await replay.get("/api/me")).status).toBe(401);
  });

  it("slides the expiry on use and expires after 30 idle days", async () => {
    const client = await signUp(t.app);
    const id = sessionIdOf(client);
    const db = t.database.db;
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await db.update(sessions).set({ lastVerifiedAt: twoDaysAgo }).where(eq(sessions.id, id));
    const res = await client.get("/api/me");
    expect(res.status).toBe(200);
    const [slid] = await db.select().from(sessions).where(eq(sessions.id, id));
    expect(slid!.lastVerifiedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const expires = new Date(res.headers.get("set-cookie")!.match(/Expires=([^;]+)/i)![1]!);
    expect(expires.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    await db.update(sessions).set({ lastVerifiedAt: new Date(Date.now() - 31 * 86_400_000) }).where(eq(sessions.id, id));
    expect((await client.get("/api/me")).status).toBe(401);
    expect(await db.select().from(sessions).where(eq(sessions.id, id))).toEqual([]);
  });
});

describe("sign-up and login: errors", () => {
  it("answers 401 with the error shape when nobody is signed in", async () => {
    const res = await new TestClient(t.app).get("/api/me");
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: "unauthenticated" });
    expect(typeof res.body.error.message).toBe("string");
    expect(typeof res.body.error.requestId).toBe("string");
  });

  it.each([
    [{ password: "long enough pw", name: "A" }, "email"],
    [{ email: "not-an-email", password: "long enough pw", name: "A" }, "email"],
    [{ email: "a@b.test", password: "short", name: "A" }, "password"],
    [{ email: "a@b.test", password: "long enough pw", name: "" }, "name"],
    [{ email: "a@b.test", password: 12345678, name: "A" }, "password"],
  ])("rejects a bad signup %j naming the field %s", async (body, field) => {
    const res = await new TestClient(t.app).post("/api/auth/signup", body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", field });
  });

  it("makes no second account for the same email, whatever its case: its owner is told by mail instead", async () => {
    const client = await signUp(t.app);
    const res = await new TestClient(t.app).post("/api/auth/signup", {
      email: client.email.toUpperCase(),
      password: "another long pw",
      name: "Copy",
    });
    expect(res.status).toBe(202);
    await eventually(async () => expect((await readMailbox(TEST_MAIL_DIR, client.email)).map((m) => m.subject)).toContain("You already have a Marginalia account"));
    const login = await new TestClient(t.app).post("/api/auth/login", { email: client.email, password: "another long pw" });
    expect(login.status).toBe(401);
  });

  it("rejects bodies that are not JSON, have the wrong type or are too big", async () => {
    const client = new TestClient(t.app);
    const notJson = await client.post("/api/auth/signup", "{email:", { "content-type": "application/json" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("bad_request");
    const form = await client.post("/api/auth/signup", "email=a", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    // JSON is UTF-8; a body that says it is another charset is refused, not read as UTF-8 regardless.
    const body = JSON.stringify({ email: freshEmail(), password: "a long enough password", name: "A" });
    const utf16 = await client.post("/api/auth/signup", Buffer.from(body, "utf16le"), { "content-type": "application/json; charset=utf-16" });
    expect(utf16.status).toBe(415);
    expect(utf16.body.error.message).toContain("UTF-8");
    const latin1 = await client.post("/api/auth/signup", body, { "content-type": "application/json;charset=ISO-8859-1" });
    expect(latin1.status).toBe(415);
    const utf8 = await client.post("/api/auth/signup", body, { "content-type": 'application/json; charset="UTF-8"' });
    expect(utf8.status).toBe(202);
    const huge = await client.post("/api/auth/signup", { email: "a@b.test", password: "x".repeat(2_000_000), name: "A" });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
  });

  it("gives the same answer for an unknown email and a wrong password", async () => {
    const client = await signUp(t.app);
    const wrong = await new TestClient(t.app).post("/api/auth/login", { email: client.email, password: "not the password" });
    const unknown = await new TestClient(t.app).post("/api/auth/login", { email: freshEmail(), password: "whatever pw" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });
});

describe("sign-up and login: security", () => {
  it("backs off an address that keeps guessing one account, with Retry-After, and lets the owner in from elsewhere", async () => {
    const victim = await signUp(t.app);
    const attacker = new TestClient(t.app);
    for (let i = 0; i < 3; i++) {
      expect((await attacker.post("/api/auth/login", { email: victim.email, password: `guess ${i} pw` })).status).toBe(401);
    }
    const waiting = await attacker.post("/api/auth/login", { email: victim.email, password: victim.password });
    expect(waiting.status).toBe(429);
    expect(waiting.body.error.code).toBe("rate_limited");
    expect(Number(waiting.headers.get("retry-after"))).toBeGreaterThan(0);
    const owner = await new TestClient(t.app).post("/api/auth/login", { email: victim.email, password: victim.password });
    expect(owner.status).toBe(200);
  });

  it("holds a burst of guesses sent at once to the same free failures as guesses sent in turn", async () => {
    const victim = await signUp(t.app);
    const attacker = new TestClient(t.app);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => attacker.post("/api/auth/login", { email: victim.email, password: `burst ${i} pw` })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it("paces an account guessed from many addresses, and the owner with the right password still gets in", async () => {
    const victim = await signUp(t.app);
    for (let i = 0; i < 7; i++) {
      // Each guess from a new address: only the per-account pace can apply.
      await new TestClient(t.app).post("/api/auth/login", { email: victim.email, password: `guess ${i} pw` });
    }
    const owner = new TestClient(t.app);
    let answer = await owner.post("/api/auth/login", { email: victim.email, password: victim.password });
    if (answer.status === 429) {
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 450));
      answer = await owner.post("/api/auth/login", { email: victim.email, password: victim.password });
    }
    expect(answer.status).toBe(200);
  });

  it("limits attempts per IP across accounts", async () => {
    const attacker = new TestClient(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await attacker.post("/api/auth/login", { email: freshEmail(), password: "whatever pw" })).status);
    }
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
  });

  it("refuses a cookie-authenticated write from a foreign origin", async () => {
    const client = await signUp(t.app);
    const foreign = await client.post("/api/groups", { name: "X" }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const crossSite = await client.post("/api/groups", { name: "X" }, { "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    const own = await client.post("/api/groups", { name: "X" }, { origin: TEST_ORIGIN });
    expect(own.status).toBe(201);
  });

  it("ignores forged and malformed session cookies", async () => {
    const client = await signUp(t.app);
    const [id] = client.cookie!.split("=")[1]!.split(".");
    for (const forged of [`${id}.aaaaaaaaaaaaaaaaaaaaaaaa`, "garbage", `${id}`, "' or 1=1 --.x"]) {
      const attacker = new TestClient(t.app);
      attacker.cookie = `marginalia_session=${forged}`;
      expect((await attacker.get("/api/me")).status).toBe(401);
    }
  });
});
