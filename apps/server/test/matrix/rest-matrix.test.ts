import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOperations } from "../../src/routes/index.ts";
import { type TestApp, TestClient, createTestApp } from "../support/app.ts";
import { ACTORS, type World, buildWorld } from "./world.ts";
import { REST_CASES, expected } from "./rest-cases.ts";

/** The documented operations, as the routes declare them. */
const OPERATIONS = apiOperations();

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp();
  w = await buildWorld(t.app);
}, 60_000);
afterAll(() => t.close());

describe("the REST authorization matrix", () => {
  for (const row of REST_CASES) {
    describe(`${row.route}${row.note ? ` (${row.note})` : ""}`, () => {
      for (const name of ACTORS) {
        const want = expected(row.expect, name);
        it(`${name} gets ${want}`, async () => {
          // Logging out must not end the shared session the other cases use.
          const who = row.route === "POST /api/auth/logout" && name !== "anonymous" ? await freshLogin(name) : w.clients[name];
          const res = await row.call(w, who, name);
          expect(res.status).toBe(want);
        });
      }
    });
  }

  it("covers every documented route that needs a signed-in caller", () => {
    const covered = new Set(REST_CASES.map((c) => c.route));
    const missing = OPERATIONS.filter((op) => op.auth !== false && !op.path.startsWith("/w3c"))
      .map((op) => `${op.method.toUpperCase()} ${op.path}`)
      .filter((route) => !covered.has(route));
    expect(missing).toEqual([]);
  });
});

async function freshLogin(name: Exclude<(typeof ACTORS)[number], "anonymous">) {
  const user = w.users[name];
  const client = new TestClient(t.app);
  await client.post("/api/auth/login", { email: user.email, password: user.password });
  return client;
}
