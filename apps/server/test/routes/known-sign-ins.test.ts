import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knownSignIns, sessions } from "@marginalia/schema/tables";
import { KNOWN_FOR_MS, KnownSignIns, deviceHash } from "../../src/auth/known-sign-ins.ts";
import { readMailbox } from "../../src/mail/mailbox.ts";
import { type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";
import { TEST_MAIL_DIR, resetTokenFor } from "../support/mail.ts";
import { eventually } from "../support/sync-client.ts";

// Two app instances over one database, each with its own in-process limits, as two processes behind a
// balancer. A pace far longer than the test: once a guesser takes the account's turn, it stays taken.
const rateLimits = {
  perIp: { points: 8, durationSeconds: 600 },
  mailsPerAddress: { points: 4, durationSeconds: 600 },
  backoff: { freeFailures: 3, accountThreshold: 6, accountPaceMs: 600_000 },
};
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await createTestApp({ rateLimits });
  b = await createTestApp({ rateLimits, database: a.database });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** A caller of one instance at a given address (sent as X-Forwarded-For, which the tests' app trusts). */
function at(t: TestApp, ip: string, cookie?: string) {
  const client = new TestClient(t.app);
  Object.defineProperty(client, "ip", { value: ip });
  client.cookie = cookie;
  return client;
}
const deviceOf = (reply: { headers: Headers }) => reply.headers.getSetCookie().find((h) => h.startsWith("marginalia_device="))?.split(";")[0];

let guessers = 0;
/** A guess from an address never seen before, as a botnet sends them. */
const guess = (t: TestApp, email: string, password = `guess ${guessers} pw`) => at(t, `172.17.${(++guessers >> 8) & 255}.${guessers & 255}`).post("/api/auth/login", { email, password });

describe("the owner's browsers and addresses, across processes", () => {
  it("lets a browser and an address that signed in through one process skip the pace on another", async () => {
    const victim = await signUp(a.app);
    const signedIn = await at(a, "192.0.2.60").post("/api/auth/login", { email: victim.email, password: victim.password });
    expect(signedIn.status).toBe(200);
    const device = deviceOf(signedIn)!;
    // A session used from the office, through the first process.
    expect((await at(a, "192.0.2.61", victim.cookie).get("/api/me")).status).toBe(200);

    for (let i = 0; i < 7; i++) expect((await guess(b, victim.email)).status).toBe(401);
    expect((await guess(b, victim.email, victim.password)).status).toBe(429);

    // The second process never saw the owner, and still knows their browser, their home and their office.
    expect((await at(b, "198.51.100.60", device).post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(200);
    expect((await at(b, "192.0.2.60").post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(200);
    expect((await at(b, "192.0.2.61").post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(200);
    // Strangers, a made-up device cookie among them, are still paced.
    expect((await at(b, "198.51.100.62", "marginalia_device=abcdefghijkmnpqrstuvwxyz").post("/api/auth/login", { email: victim.email, password: victim.password })).status).toBe(429);
  });

  it("keeps a handful of browsers per account, each for a month", async () => {
    const owner = await signUp(a.app);
    let now = Date.now();
    const known = new KnownSignIns(a.database.db, () => now);
    for (let i = 1; i <= 9; i++) {
      now += 1_000;
      await known.seenWith(owner.user.id, `browser ${i}`);
    }
    const rows = await a.database.db.select().from(knownSignIns).where(and(eq(knownSignIns.userId, owner.user.id), eq(knownSignIns.kind, "device")));
    expect(rows.map((r) => r.key).sort()).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((i) => deviceHash(`browser ${i}`)).sort());
    expect((await known.lookUp(owner.email, null, ["browser 1", "browser 2"])).device).toBe("browser 2");
    await known.seenAt(owner.user.id, "203.0.113.9");
    expect(await known.lookUp(owner.email, "203.0.113.9", ["made-up"])).toEqual({ address: true, device: undefined });
    now += KNOWN_FOR_MS + 1;
    expect(await known.lookUp(owner.email, "203.0.113.9", ["browser 9"])).toEqual({ address: false, device: undefined });
    // The next write of the account's kind drops what expired.
    await known.seenAt(owner.user.id, "203.0.113.10");
    const addresses = await a.database.db.select().from(knownSignIns).where(and(eq(knownSignIns.userId, owner.user.id), eq(knownSignIns.kind, "address")));
    expect(addresses.map((r) => r.key)).toEqual(["203.0.113.10"]);
  });

  it("renews the device cookie when a session slides", async () => {
    const owner = await signUp(a.app);
    const device = deviceOf(await at(a, "192.0.2.70").post("/api/auth/login", { email: owner.email, password: owner.password }))!;
    // An hour and more since the session was last verified: this request slides it.
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
    await a.database.db.update(sessions).set({ lastVerifiedAt: hoursAgo }).where(eq(sessions.userId, owner.user.id));
    const slid = await at(b, "192.0.2.71", `${owner.cookie}; ${device}`).get("/api/me");
    expect(slid.status).toBe(200);
    expect(deviceOf(slid)).toBe(device);
    const set = slid.headers.getSetCookie().find((h) => h.startsWith("marginalia_device="))!;
    expect(Math.abs(new Date(set.match(/Expires=([^;]+)/i)![1]!).getTime() - (Date.now() + KNOWN_FOR_MS))).toBeLessThan(60_000);
    // Not on every request: only when the session slides.
    expect(deviceOf(await at(b, "192.0.2.71", `${owner.cookie}; ${device}`).get("/api/me"))).toBeUndefined();
  });
});

describe("when the account's credentials end", () => {
  it("forgets a thief's browser and keeps the owner's, on every process", async () => {
    const victim = await signUp(a.app);
    const thief = deviceOf(await at(a, "203.0.113.90").post("/api/auth/login", { email: victim.email, password: victim.password }))!;
    const home = await at(a, "192.0.2.90").post("/api/auth/login", { email: victim.email, password: victim.password });
    const session = home.headers.getSetCookie().find((h) => h.startsWith("marginalia_session="))!.split(";")[0]!;
    const changed = await at(a, "192.0.2.90", `${session}; ${deviceOf(home)}`).post("/api/auth/password", { currentPassword: victim.password, newPassword: "a new secret phrase" });
    expect(changed.status).toBe(204);
    const owner = deviceOf(changed)!;

    for (let i = 0; i < 7; i++) expect((await guess(b, victim.email)).status).toBe(401);
    const login = (ip: string, cookie?: string) => at(b, ip, cookie).post("/api/auth/login", { email: victim.email, password: "a new secret phrase" });
    // Even with the new password, the thief's browser is a stranger now: paced from any address.
    expect((await login("198.51.100.90", thief)).status).toBe(429);
    expect((await login("198.51.100.92", thief)).status).toBe(429);
    // The browser that changed it, and its address, are the owner's still, on the other process too.
    expect((await login("198.51.100.91", owner)).status).toBe(200);
    expect((await login("192.0.2.90")).status).toBe(200);
  });
});

describe("the password-reset mail limit", () => {
  it("counts the owner's browsers apart, so that strangers spending it do not stop the owner's reset", async () => {
    const victim = await signUp(a.app);
    const other = await signUp(a.app);
    const device = deviceOf(await at(a, "192.0.2.80").post("/api/auth/login", { email: victim.email, password: victim.password }))!;
    const guesserDevice = deviceOf(await at(a, "192.0.2.81").post("/api/auth/login", { email: other.email, password: other.password }))!;
    const ask = (ip: string, cookie?: string) => at(a, ip, cookie).post("/api/auth/password-reset", { email: victim.email });

    // The sign-up's mail was the first of four.
    for (let i = 0; i < 3; i++) expect((await ask(`172.18.0.${i}`)).status).toBe(202);
    expect((await ask("172.18.0.9")).status).toBe(429);
    expect((await ask("172.18.0.10", guesserDevice)).status).toBe(429);
    await eventually(async () => expect((await readMailbox(TEST_MAIL_DIR, victim.email)).filter((m) => m.subject === "Reset your Marginalia password")).toHaveLength(3));

    // The owner's browser, from anywhere, still gets a link, and it works.
    const owner = at(a, "198.51.100.80", device);
    expect((await owner.post("/api/auth/password-reset", { email: victim.email })).status).toBe(202);
    await eventually(async () => expect((await readMailbox(TEST_MAIL_DIR, victim.email)).filter((m) => m.subject === "Reset your Marginalia password")).toHaveLength(4));
    const reset = await owner.post("/api/auth/password-reset/confirm", { token: await resetTokenFor(victim.email), newPassword: "back in by mail" });
    expect(reset.status).toBe(200);
    // The reset forgot every browser the account was known by, and named this one anew.
    const renewed = deviceOf(reset)!;
    expect(renewed).not.toBe(device);

    // Its own count is bounded too, and strangers stay refused.
    for (let i = 0; i < 3; i++) expect((await at(a, "198.51.100.81", renewed).post("/api/auth/password-reset", { email: victim.email })).status).toBe(202);
    expect((await at(a, "198.51.100.82", renewed).post("/api/auth/password-reset", { email: victim.email })).status).toBe(429);
    expect((await ask("172.18.0.11")).status).toBe(429);
  });
});
