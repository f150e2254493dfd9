import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYNC_CLOSE_CODES } from "@marginalia/schema";
import { admit } from "../../src/sync/authorize/admit.ts";
import { type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";

// "Cookie tossing": a sibling subdomain, or any page able to set a cookie for the parent domain or a longer
// Path, plants a session cookie of our name; the browser sends it beside the real one, usually first.
let plain: TestApp;
let secure: TestApp;
beforeAll(async () => {
  plain = await createTestApp();
  secure = await createTestApp({ database: plain.database, env: { SESSION_COOKIE_SECURE: "true" } });
});
afterAll(async () => {
  await secure.stop();
  await plain.close();
});

const tokenOf = (client: TestClient) => client.cookie!.split("=")[1]!;
const me = (t: TestApp, cookie: string) => Object.assign(new TestClient(t.app), { cookie }).get("/api/me");

describe("the session cookie's name", () => {
  it("is __Host- prefixed when Secure, and a cookie without the prefix (which anyone nearby can set) is not read", async () => {
    const user = await signUp(secure.app);
    expect(user.cookie).toMatch(/^__Host-marginalia_session=/);
    const again = new TestClient(secure.app);
    const login = await again.post("/api/auth/login", { email: user.email, password: user.password });
    const set = login.headers.getSetCookie().find((h) => h.startsWith("__Host-marginalia_session="))!;
    expect(set).toMatch(/; Secure/i);
    expect(set).toMatch(/; Path=\//i);
    expect(set).not.toMatch(/Domain=/i);
    expect(login.headers.getSetCookie().find((h) => h.startsWith("__Host-marginalia_device="))).toMatch(/; Secure/i);
    expect((await me(secure, `__Host-marginalia_session=${tokenOf(user)}`)).body.user.id).toBe(user.user.id);
    expect((await me(secure, `marginalia_session=${tokenOf(user)}`)).status).toBe(401);
  });

  it("keeps the plain name on http", async () => {
    const user = await signUp(plain.app);
    expect(user.cookie).toMatch(/^marginalia_session=/);
    expect((await me(plain, `__Host-marginalia_session=${tokenOf(user)}`)).status).toBe(401);
  });
});

describe("several session cookies in one request", () => {
  it("never runs as a planted session: two valid sessions sign in as neither", async () => {
    const [victim, attacker] = [await signUp(plain.app), await signUp(plain.app)];
    const both = await me(plain, `marginalia_session=${tokenOf(attacker)}; marginalia_session=${tokenOf(victim)}`);
    expect(both.status).toBe(401);
    expect(both.headers.getSetCookie()).toEqual([]);
  });

  it("uses the one valid session beside junk, and clears nothing", async () => {
    const victim = await signUp(plain.app);
    const tossed = await me(plain, `marginalia_session=junk; marginalia_session=${tokenOf(victim)}`);
    expect(tossed.status).toBe(200);
    expect(tossed.body.user.id).toBe(victim.user.id);
    expect(tossed.headers.getSetCookie()).toEqual([]);
    const allJunk = await me(plain, "marginalia_session=junk; marginalia_session=more.junk");
    expect(allJunk.status).toBe(401);
    expect(allJunk.headers.getSetCookie()).toEqual([]);
    // A lone stale cookie is the browser's own: it is cleared, as before.
    expect((await me(plain, "marginalia_session=junk")).headers.getSetCookie()[0]).toMatch(/^marginalia_session=;/);
  });

  it("admits a socket by the same rule", async () => {
    const [victim, attacker] = [await signUp(plain.app), await signUp(plain.app)];
    const origin = "http://localhost:8787";
    // A room that does not exist: admission gets past who the caller is (404), or stops there (401).
    const room = "article:00000000-0000-4000-8000-000000000000";
    const code = async (sessionCookies: string[]) => {
      const admission = await admit(plain.database.db, origin, { room, sessionCookies });
      return admission.ok ? 0 : admission.code;
    };
    expect(await code(["junk", tokenOf(victim)])).not.toBe(SYNC_CLOSE_CODES.unauthorized);
    expect(await code([tokenOf(attacker), tokenOf(victim)])).toBe(SYNC_CLOSE_CODES.unauthorized);
    expect(await code(["junk"])).toBe(SYNC_CLOSE_CODES.unauthorized);
  });
});
