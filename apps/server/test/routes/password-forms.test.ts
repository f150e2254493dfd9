import { eq } from "drizzle-orm";
import { users } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argon2, matchPassword } from "../../src/auth/password.ts";
import { run } from "../support/backup-compare.ts";
import { type TestApp, TestClient, createTestApp, freshEmail, signUp } from "../support/app.ts";
import { resetTokenFor, signupTokenFor } from "../support/mail.ts";

// One password typed as composed characters on one device and decomposed on another (macOS file dialogs,
// some input methods), or in full-width forms: the same password.
const NFC = "Pässwörd-café-1".normalize("NFC");
const NFD = NFC.normalize("NFD");

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: { perIp: { points: 10_000, durationSeconds: 60 } } });
});
afterAll(() => t.close());

const login = (email: string, password: string) => new TestClient(t.app).post("/api/auth/login", { email, password });
const hashOf = async (email: string) => (await t.database.db.select().from(users).where(eq(users.email, email)))[0]!.passwordHash;

describe("passwords compared as NFKC", () => {
  it("signs up in one form and confirms and signs in with another", async () => {
    const client = new TestClient(t.app);
    const email = freshEmail();
    expect((await client.post("/api/auth/signup", { email, password: NFC, name: "Zoë" })).status).toBe(202);
    expect((await client.post("/api/auth/confirm", { token: await signupTokenFor(email), password: NFD })).status).toBe(201);
    expect((await login(email, NFD)).status).toBe(200);
    expect((await login(email, NFC)).status).toBe(200);
  });

  it("changes, resets and sets a password in one form and signs in with another", async () => {
    const changed = await signUp(t.app);
    expect((await changed.post("/api/auth/password", { currentPassword: changed.password, newPassword: NFD })).status).toBe(204);
    expect((await login(changed.email, NFC)).status).toBe(200);

    const reset = await signUp(t.app);
    await new TestClient(t.app).post("/api/auth/password-reset", { email: reset.email });
    const token = await resetTokenFor(reset.email);
    expect((await new TestClient(t.app).post("/api/auth/password-reset/confirm", { token, newPassword: NFD })).status).toBe(200);
    expect((await login(reset.email, NFC)).status).toBe(200);

    const set = await signUp(t.app);
    await run(t.database.db, ["set-password", "--email", set.email, "--password", NFD]);
    expect((await login(set.email, NFC)).status).toBe(200);
  });

  it("signs in with a password hashed before normalization, typed as then, and rehashes it normalized", async () => {
    const user = await signUp(t.app);
    // As hashes were made before: of the password exactly as typed.
    const legacy = await argon2.hash(NFD, { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 });
    await t.database.db.update(users).set({ passwordHash: legacy }).where(eq(users.email, user.email));
    expect((await login(user.email, NFC)).status).toBe(401);
    expect((await login(user.email, NFD)).status).toBe(200);
    const rehashed = await hashOf(user.email);
    expect(rehashed).not.toBe(legacy);
    expect(await matchPassword(rehashed, NFC)).toBe("normalized");
    expect((await login(user.email, NFC)).status).toBe(200);
  });

  it("applies the length limits to the normalized password", async () => {
    const user = await signUp(t.app);
    // Eight code units typed, four characters once composed.
    const short = "éééé".normalize("NFD");
    expect(short).toHaveLength(8);
    // Under 256 as typed; U+FDFA is 18 characters in NFKC.
    const long = "\uFDFA".repeat(20);
    for (const newPassword of [short, long]) {
      const refused = await user.post("/api/auth/password", { currentPassword: user.password, newPassword });
      expect(refused.status).toBe(400);
      expect(refused.body.error.field).toBe("newPassword");
    }
    // Longer than 256 as typed, 256 once composed: it is what is hashed that counts.
    const composed = "é".repeat(256);
    const fits = await user.post("/api/auth/password", { currentPassword: user.password, newPassword: composed.normalize("NFD") });
    expect(fits.status).toBe(204);
    expect((await login(user.email, composed)).status).toBe(200);
  });
});
