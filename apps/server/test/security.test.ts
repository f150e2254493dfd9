import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { type TestApp, TestClient, createTestApp, signUp } from "./support/app.ts";
import { checkedRequest } from "./support/openapi.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("security basics", () => {
  it("sets CSP with frame-ancestors, nosniff and frame denial on pages and API", async () => {
    for (const path of ["/", "/api/me", "/healthz", "/api/docs"]) {
      const res = await checkedRequest(t.app, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-eval");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("keeps the docs page free of inline scripts", async () => {
    const html = await (await checkedRequest(t.app, "/api/docs")).text();
    expect(html).not.toMatch(/<script>(?!<)/);
    expect((await checkedRequest(t.app, "/api/docs/init.js")).headers.get("content-type")).toMatch(/javascript/);
  });

  it("marks the session cookie Secure when the public origin is https", () => {
    expect(loadConfig({ PUBLIC_ORIGIN: "https://marginalia.example" }).sessionCookieSecure).toBe(true);
    expect(loadConfig({ PUBLIC_ORIGIN: "https://marginalia.example", SESSION_COOKIE_SECURE: "false" }).sessionCookieSecure).toBe(false);
  });

  it("never returns a password hash or a token secret from any account route", async () => {
    const user = await signUp(t.app);
    const token = await user.post("/api/tokens", { name: "t" });
    const secret = token.body.token.split(".")[1];
    for (const path of ["/api/me", "/api/tokens", "/api/groups"]) {
      const text = JSON.stringify((await user.get(path)).body);
      expect(text).not.toMatch(/argon2|passwordHash|password_hash|secretHash/);
      expect(text).not.toContain(secret);
    }
    expect((await new TestClient(t.app).get("/api/tokens")).status).toBe(401);
  });
});
