import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { users } from "@marginalia/schema/tables";
import { argon2 } from "../../src/auth/password.ts";
import { NO_PASSWORD_HASH } from "../../src/backup/restore.ts";
import { type TestApp, TestClient, createTestApp, freshEmail, signUp } from "../support/app.ts";
import { resetTokenFor } from "../support/mail.ts";

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

const deviceOf = (reply: { headers: Headers }) => reply.headers.getSetCookie().find((h) => h.startsWith("marginalia_device="));

describe("login from a browser the account signed in from", () => {
  it("skips the pace from a new address, while guessers, and the owner in a new browser, are paced", async () => {
    const victim = await signUp(t.app);
    const other = await signUp(t.app);
    const signedIn = await at("192.0.2.40").post("/api/auth/login", { email: victim.email, password: victim.password });
    expect(signedIn.status).toBe(200);
    const set = deviceOf(signedIn)!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).toMatch(/Path=\//i);
    const expires = new Date(set.match(/Expires=([^;]+)/i)![1]!).getTime();
    expect(Math.abs(expires - (Date.now() + 30 * 24 * 60 * 60_000))).toBeLessThan(60_000);
    const device = set.split(";")[0]!;
    // A guesser's own browser, known to the guesser's account only.
    const guesserDevice = deviceOf(await at("192.0.2.41").post("/api/auth/login", { email: other.email, password: other.password }))!.split(";")[0]!;

    for (let i = 0; i < 7; i++) expect((await guess(victim.email)).status).toBe(401);
    expect((await guess(victim.email, victim.password)).status).toBe(429);
    expect((await at("198.51.100.40", "marginalia_device=abcdefghijkmnpqrstuvwxyz").post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(429);
    expect((await at("198.51.100.41", guesserDevice).post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(429);

    // The owner's laptop on a network it never used: the browser is known, so the pace does not apply.
    const away = await at("198.51.100.42", device).post("/api/auth/login", { email: victim.email, password: victim.password });
    expect(away.status).toBe(200);
    // Its own address's backoff still holds: a guesser who stole the cookie alone gains three guesses.
    for (let i = 0; i < 3; i++) expect((await at("198.51.100.43", device).post("/api/auth/login", { email: victim.email, password: `wrong ${i} pw` })).status).toBe(401);
    expect((await at("198.51.100.43", device).post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(429);
  });

  it("leaves the password reset open to an owner in a new browser on a new address while the account is paced", async () => {
    const victim = await signUp(t.app);
    for (let i = 0; i < 7; i++) await guess(victim.email);
    const stranded = at("198.51.100.50");
    expect((await stranded.post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(429);
    expect((await stranded.post("/api/auth/password-reset", { email: victim.email })).status).toBe(202);
    const reset = await stranded.post("/api/auth/password-reset/confirm", { token: await resetTokenFor(victim.email), newPassword: "back in by mail" });
    expect(reset.status).toBe(200);
    expect((await stranded.get("/api/me")).body.user.id).toBe(victim.user.id);
    // The reset made this browser known: from yet another address, it signs in past the pace.
    const device = deviceOf(reset)!.split(";")[0]!;
    expect((await at("198.51.100.51", device).post("/api/auth/login", { email: victim.email, password: "back in by mail" })).status).toBe(200);
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
