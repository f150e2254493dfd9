import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import * as tables from "@marginalia/schema/tables";
import { signupRequests } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Db, clientOf } from "../../src/db.ts";
import { readMailbox } from "../../src/mail/mailbox.ts";
import type { Mailer } from "../../src/mail/mailer.ts";
import { requestSignup as startSignup } from "../../src/services/signups.ts";
import { type TestApp, TestClient, createTestApp, freshEmail, signUp } from "../support/app.ts";
import { TEST_MAIL_DIR, signupTokenFor } from "../support/mail.ts";
import { eventually } from "../support/sync-client.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PASSWORD = "the chosen one";
const requestSignup = (email: string, password = PASSWORD, name = "Noor") => new TestClient(t.app).post("/api/auth/signup", { email, password, name });
const confirm = (client: TestClient, token: string, password = PASSWORD) => client.post("/api/auth/confirm", { token, password });

describe("sign-up does not tell who has an account", () => {
  it("answers a known and an unknown address alike, with no session for either", async () => {
    const owner = await signUp(t.app);
    const known = await requestSignup(owner.email);
    const unknown = await requestSignup(freshEmail());
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect(known.body.status).toBe(unknown.body.status);
    for (const reply of [known, unknown]) expect(reply.headers.get("set-cookie")).toBeNull();
  });

  // A new address used to cost one more INSERT and its commit than a known one (about 10 ms): timing
  // the answer told them apart. Both now run the very same statements, the insert's commit included.
  it.runIf(inject("databaseUrl"))("runs the same statements for a known and an unknown address", async () => {
    const owner = await signUp(t.app);
    const statements: string[] = [];
    const logged = drizzle(clientOf(t.database.db), { schema: tables, logger: { logQuery: (query) => statements.push(query) } }) as unknown as Db;
    const subjects: string[] = [];
    const mailer: Mailer = { send: (message) => void subjects.push(message.subject), close: async () => {} };
    const run = async (email: string) => {
      statements.length = 0;
      await startSignup(logged, mailer, "http://localhost", { email, name: "Noor", password: PASSWORD });
      return [...statements];
    };
    const known = await run(owner.email);
    const unknown = await run(freshEmail());
    expect(known.some((sql) => sql.startsWith("insert into \"signup_requests\""))).toBe(true);
    expect(known).toEqual(unknown);
    expect(subjects).toEqual(["You already have a Marginalia account", "Confirm your Marginalia account"]);
  });

  it("mails the owner of a known address, and keeps no pending sign-up for it", async () => {
    const owner = await signUp(t.app);
    await requestSignup(owner.email, "an attacker's password");
    await eventually(async () => expect((await readMailbox(TEST_MAIL_DIR, owner.email)).at(-1)?.subject).toBe("You already have a Marginalia account"));
    expect(await t.database.db.select().from(signupRequests).where(eq(signupRequests.email, owner.email))).toEqual([]);
  });
});

describe("confirming a sign-up", () => {
  it("writes no name into the confirmation mail, and refuses names that are not one plain line", async () => {
    const email = freshEmail();
    expect((await requestSignup(email, PASSWORD, "Customer SECURITY ALERT")).status).toBe(202);
    const mail = await eventually(async () => {
      const last = (await readMailbox(TEST_MAIL_DIR, email)).at(-1);
      expect(last?.subject).toBe("Confirm your Marginalia account");
      return last!;
    });
    expect(JSON.stringify(mail)).not.toContain("SECURITY ALERT");
    for (const name of ["Customer,\n\nVerify at https://evil.example", "Eve \u202E", "Tab\there", "\u2066isolated"]) {
      const res = await requestSignup(freshEmail(), PASSWORD, name);
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.error.field).toBe("name");
    }
    // Right-to-left names need none of those characters.
    expect((await requestSignup(freshEmail(), PASSWORD, "نور کریمی")).status).toBe(202);
  });

  it("keeps only hashes: the mailed token is nowhere in the database", async () => {
    const email = freshEmail();
    await requestSignup(email);
    const token = await signupTokenFor(email);
    const [row] = await t.database.db.select().from(signupRequests).where(eq(signupRequests.email, email));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.passwordHash).not.toContain(PASSWORD);
  });

  it("needs the password chosen with the link, so whoever reads the mail alone cannot finish it", async () => {
    const email = freshEmail();
    await requestSignup(email);
    const token = await signupTokenFor(email);
    const client = new TestClient(t.app);
    const wrong = await confirm(client, token, "the victim's own password");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: "unauthenticated", field: "password" });
    expect(client.cookie).toBeUndefined();
    // A wrong password does not spend the link.
    expect((await confirm(client, token)).status).toBe(201);
  });

  it("works once; a second use, or another pending link for the same address, is gone", async () => {
    const email = freshEmail();
    await requestSignup(email);
    const first = await signupTokenFor(email);
    await requestSignup(email, "second password", "Noor again");
    const second = await eventually(async () => {
      const token = await signupTokenFor(email);
      expect(token).not.toBe(first);
      return token;
    });
    const created = await confirm(new TestClient(t.app), first);
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ email, name: "Noor" });
    for (const [token, password] of [[first, PASSWORD], [second, "second password"]] as const) {
      const again = await confirm(new TestClient(t.app), token, password);
      expect(again.status).toBe(410);
      expect(again.body.error).toMatchObject({ code: "gone", field: "token" });
    }
    const login = await new TestClient(t.app).post("/api/auth/login", { email, password: PASSWORD });
    expect(login.status).toBe(200);
  });

  it("refuses an expired link", async () => {
    const email = freshEmail();
    await requestSignup(email);
    const token = await signupTokenFor(email);
    await t.database.db.update(signupRequests).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(signupRequests.email, email));
    expect((await confirm(new TestClient(t.app), token)).status).toBe(410);
  });

  it.each([
    [{ token: "short", password: PASSWORD }, "token"],
    [{ token: "a".repeat(24) }, "password"],
    [{ token: "a".repeat(24), password: PASSWORD, extra: 1 }, undefined],
  ])("rejects a malformed confirmation %j", async (body, field) => {
    const res = await new TestClient(t.app).post("/api/auth/confirm", body);
    expect(res.status).toBe(400);
    if (field) expect(res.body.error.field).toBe(field);
  });
});
