import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { users } from "@marginalia/schema/tables";
import { argon2 } from "../../src/auth/password.ts";
import { NO_PASSWORD_HASH } from "../../src/backup/restore.ts";
import { type TestApp, TestClient, createTestApp, freshEmail, signUp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  // A pace far longer than the test: once a guesser takes the account's turn, it stays taken.
  t = await createTestApp({
    rateLimits: { perIp: { points: 8, durationSeconds: 600 }, backoff: { freeFailures: 3, accountThreshold: 6, accountPaceMs: 600_000 } },
  });
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

/** A caller at a given address (sent as X-Forwarded-For, which the tests' app trusts). */
function at(ip: string, cookie?: string) {
  const client = new TestClient(t.app);
  Object.defineProperty(client, "ip", { value: ip });
  client.cookie = cookie;
  return client;
}

let guessers = 0;
/** A guess from an address never seen before, as a botnet sends them. */
const guess = (email: string, password = `guess ${guessers} pw`) => at(`172.16.${(++guessers >> 8) & 255}.${guessers & 255}`).post("/api/auth/login", { email, password });

describe("login pace against a guesser with many addresses", () => {
  it("lets the owner sign in from a known address, and change the password when signed in, while guessers hold the account's turn", async () => {
    const victim = await signUp(t.app);
    const home = at("192.0.2.10");
    expect((await home.post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(200);

    for (let i = 0; i < 7; i++) expect((await guess(victim.email)).status).toBe(401);
    // The account is paced and its turn taken: from a new address, neither a guess nor the right password gets through.
    expect((await guess(victim.email)).status).toBe(429);
    expect((await guess(victim.email, victim.password)).status).toBe(429);

    // From where it signed in before, the owner is not held up.
    const again = at("192.0.2.10");
    expect((await again.post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(200);
    expect((await again.get("/api/me")).body.user.id).toBe(victim.user.id);

    // Signed in, from an address the account never signed in from (a phone on another network), the owner changes the password.
    const roaming = at("198.51.100.77", victim.cookie);
    const changed = await roaming.post("/api/auth/password", { currentPassword: victim.password, newPassword: "a brand new password" });
    expect(changed.status).toBe(204);

    // The guessers are still paced.
    expect((await guess(victim.email, "a brand new password")).status).toBe(429);
    expect((await at("192.0.2.10").post("/api/auth/login", { email: victim.email, password: "a brand new password" })).status).toBe(200);
  });

  it("treats one IPv6 /64 as one address: a guesser hopping inside it is backed off and counted once", async () => {
    const victim = await signUp(t.app);
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) statuses.push((await at(`2001:db8:77:1::${i}`).post("/api/auth/login", { email: victim.email, password: `guess ${i} pw` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    for (let i = 5; i <= 8; i++) await at(`2001:db8:77:1:${i}::1`).post("/api/auth/login", { email: freshEmail(), password: "whatever pw" });
    // Eight attempts from the /64 in all: the next, from yet another address in it, meets the per-address limit.
    expect((await at("2001:db8:77:1:ffff::9").post("/api/auth/login", { email: freshEmail(), password: "whatever pw" })).status).toBe(429);
    expect((await at("2001:db8:77:2::1").post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(200);
  });
});

describe("login for an account without a password", () => {
  it("runs the same dummy verification as for an unknown email, and gives the same answer", async () => {
    const email = freshEmail("restored");
    await t.database.db.insert(users).values({ email, name: "Restored Rita", passwordHash: NO_PASSWORD_HASH });
    const verify = vi.spyOn(argon2, "verify");
    const unknown = await at("192.0.2.30").post("/api/auth/login", { email: freshEmail(), password: "some guess pw" });
    const restored = await at("192.0.2.31").post("/api/auth/login", { email, password: "some guess pw" });
    expect([unknown.status, restored.status]).toEqual([401, 401]);
    expect(restored.body.error.message).toBe(unknown.body.error.message);
    expect(verify).toHaveBeenCalledTimes(2);
    const [forUnknown, forRestored] = verify.mock.calls.map(([hash]) => hash);
    expect(forUnknown).toMatch(/^\$argon2id\$/);
    expect(forRestored).toBe(forUnknown);
  });
});
