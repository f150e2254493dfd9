import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import * as tables from "@marginalia/schema/tables";
import { passwordResets } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Db, clientOf } from "../../src/db.ts";
import { readMailbox } from "../../src/mail/mailbox.ts";
import type { Mailer } from "../../src/mail/mailer.ts";
import { requestPasswordReset } from "../../src/services/password-resets.ts";
import { type TestApp, TestClient, createTestApp, freshEmail, signUp } from "../support/app.ts";
import { TEST_MAIL_DIR, resetTokenFor } from "../support/mail.ts";
import { eventually } from "../support/sync-client.ts";

let t: TestApp;
beforeAll(async () => {
  // Every request of the file comes from one address: the per-address limit is what is tested here.
  t = await createTestApp({ rateLimits: { perIp: { points: 10_000, durationSeconds: 60 }, mailsPerAddress: { points: 3, durationSeconds: 600 } } });
});
afterAll(() => t.close());

const NEW_PASSWORD = "a brand new passphrase";
const ask = (email: string) => new TestClient(t.app).post("/api/auth/password-reset", { email });
const reset = (client: TestClient, token: string, newPassword = NEW_PASSWORD, extra: object = {}) =>
  client.post("/api/auth/password-reset/confirm", { token, newPassword, ...extra });
const login = (email: string, password: string) => new TestClient(t.app).post("/api/auth/login", { email, password });
const lastSubject = async (email: string) => (await readMailbox(TEST_MAIL_DIR, email)).at(-1)?.subject;

describe("asking for a password reset does not tell who has an account", () => {
  it("answers a known and an unknown address alike, and mails each what it needs", async () => {
    const user = await signUp(t.app);
    const unknownEmail = freshEmail();
    const [known, unknown] = [await ask(user.email.toUpperCase()), await ask(unknownEmail)];
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect(known.body.status).toBe("reset-sent");
    for (const reply of [known, unknown]) expect(reply.headers.get("set-cookie")).toBeNull();
    await eventually(async () => expect(await lastSubject(user.email)).toBe("Reset your Marginalia password"));
    await eventually(async () => expect(await lastSubject(unknownEmail)).toBe("Marginalia password reset"));
    expect((await readMailbox(TEST_MAIL_DIR, unknownEmail)).at(-1)!.text).not.toContain("#token=");
    expect(await t.database.db.select().from(passwordResets).where(eq(passwordResets.email, unknownEmail))).toEqual([]);
  });

  it.runIf(inject("databaseUrl"))("runs the same statements for a known and an unknown address", async () => {
    const user = await signUp(t.app);
    const statements: string[] = [];
    const logged = drizzle(clientOf(t.database.db), { schema: tables, logger: { logQuery: (query) => statements.push(query) } }) as unknown as Db;
    const mailer: Mailer = { send: () => {}, close: async () => {} };
    const run = async (email: string) => {
      statements.length = 0;
      await requestPasswordReset(logged, mailer, "http://localhost", email);
      return [...statements];
    };
    const known = await run(user.email);
    const unknown = await run(freshEmail());
    expect(known.some((sql) => sql.startsWith('insert into "password_resets"'))).toBe(true);
    expect(known).toEqual(unknown);
  });

  it("limits the mails one address is sent, sign-ups' included, whether or not it has an account", async () => {
    const user = await signUp(t.app); // its confirmation was the first of three
    const stranger = freshEmail();
    for (const [email, allowed] of [[user.email, 2], [stranger, 3]] as const) {
      for (let i = 0; i < allowed; i++) expect((await ask(email)).status).toBe(202);
      const refused = await ask(email);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    await eventually(async () => expect((await readMailbox(TEST_MAIL_DIR, stranger)).length).toBe(3));
    expect((await readMailbox(TEST_MAIL_DIR, user.email)).map((m) => m.subject)).toEqual([
      "Confirm your Marginalia account",
      "Reset your Marginalia password",
      "Reset your Marginalia password",
    ]);
  });
});

describe("resetting the password from the mailed link", () => {
  it("sets the new password, signs in here, and signs out every other session", async () => {
    const user = await signUp(t.app);
    const elsewhere = new TestClient(t.app);
    expect((await elsewhere.post("/api/auth/login", { email: user.email, password: user.password })).status).toBe(200);
    await ask(user.email);
    const client = new TestClient(t.app);
    const done = await reset(client, await resetTokenFor(user.email));
    expect(done.status).toBe(200);
    expect(done.body.user).toMatchObject({ id: user.user.id, email: user.email });
    expect((await client.get("/api/me")).status).toBe(200);
    expect((await user.get("/api/me")).status).toBe(401);
    expect((await elsewhere.get("/api/me")).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it("keeps only a hash: the mailed token is nowhere in the database", async () => {
    const user = await signUp(t.app);
    await ask(user.email);
    const token = await resetTokenFor(user.email);
    const rows = await t.database.db.select().from(passwordResets).where(eq(passwordResets.email, user.email));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("works once, even used twice at the same moment", async () => {
    const user = await signUp(t.app);
    await ask(user.email);
    const token = await resetTokenFor(user.email);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => reset(new TestClient(t.app), token, `${NEW_PASSWORD} ${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 410, 410, 410, 410, 410]);
    const winner = answers.findIndex((a) => a.status === 200);
    expect((await login(user.email, `${NEW_PASSWORD} ${winner}`)).status).toBe(200);
    expect(answers.find((a) => a.status === 410)!.body.error).toMatchObject({ code: "gone", field: "token" });
  });

  it("is replaced by a newer link, and refused once expired", async () => {
    const user = await signUp(t.app);
    await ask(user.email);
    const first = await resetTokenFor(user.email);
    await ask(user.email);
    const second = await eventually(async () => {
      const token = await resetTokenFor(user.email);
      expect(token).not.toBe(first);
      return token;
    });
    expect((await reset(new TestClient(t.app), first)).status).toBe(410);
    await t.database.db.update(passwordResets).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(passwordResets.email, user.email));
    expect((await reset(new TestClient(t.app), second)).status).toBe(410);
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it("revokes the account's API tokens when asked, and leaves them otherwise", async () => {
    const user = await signUp(t.app);
    const asToken = (token: string) => Object.assign(new TestClient(t.app), { bearer: token });
    const script = asToken((await user.post("/api/tokens", { name: "script" })).body.token);
    await ask(user.email);
    expect((await reset(new TestClient(t.app), await resetTokenFor(user.email))).status).toBe(200);
    expect((await script.get("/api/me")).status).toBe(200);
    const first = await resetTokenFor(user.email);
    await ask(user.email);
    const token = await eventually(async () => {
      const latest = await resetTokenFor(user.email);
      expect(latest).not.toBe(first);
      return latest;
    });
    expect((await reset(new TestClient(t.app), token, `${NEW_PASSWORD} again`, { revokeTokens: true })).status).toBe(200);
    expect((await script.get("/api/me")).status).toBe(401);
  });

  it.each([
    [{ token: "short", newPassword: NEW_PASSWORD }, "token"],
    [{ token: "a".repeat(24), newPassword: "short" }, "newPassword"],
    [{ token: "a".repeat(24) }, "newPassword"],
    [{ token: "a".repeat(24), newPassword: NEW_PASSWORD, extra: 1 }, undefined],
  ])("rejects a malformed reset %j", async (body, field) => {
    const res = await new TestClient(t.app).post("/api/auth/password-reset/confirm", body);
    expect(res.status).toBe(400);
    if (field) expect(res.body.error.field).toBe(field);
  });

  it("is ended by a password change (with or without revokeTokens) and by signing out everywhere", async () => {
    const ways: Record<string, (user: Awaited<ReturnType<typeof signUp>>) => Promise<{ status: number }>> = {
      "password change": (user) => user.post("/api/auth/password", { currentPassword: user.password, newPassword: "the owner's new one" }),
      "password change revoking tokens": (user) => user.post("/api/auth/password", { currentPassword: user.password, newPassword: "the owner's new one", revokeTokens: true }),
      "sign-out everywhere": (user) => user.post("/api/auth/logout-everywhere"),
      "sign-out everywhere revoking tokens": (user) => user.post("/api/auth/logout-everywhere", { revokeTokens: true }),
    };
    for (const [way, act] of Object.entries(ways)) {
      const user = await signUp(t.app);
      await ask(user.email);
      // Mailed before the owner acted: someone who read that mail must not take the account after.
      const stolen = await resetTokenFor(user.email);
      expect((await act(user)).status, way).toBe(204);
      const used = await reset(new TestClient(t.app), stolen, "the thief's password");
      expect(used.status, way).toBe(410);
      expect(used.body.error).toMatchObject({ code: "gone", field: "token" });
      expect((await login(user.email, "the thief's password")).status, way).toBe(401);
      expect(await t.database.db.select().from(passwordResets).where(eq(passwordResets.email, user.email)), way).toEqual([]);
    }
  });

  it("answers a well-formed token it never issued with 410, and an address that is not one with 400", async () => {
    expect((await reset(new TestClient(t.app), "abcdefghijkmnpqrstuvwxyz")).status).toBe(410);
    expect((await ask("not an address")).status).toBe(400);
  });
});
