import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshEmail } from "./support/app.ts";
import { SEED_ARTICLE, SEED_HEADINGS, blockText } from "./support/fixtures.ts";
import { signupTokenFor } from "./support/mail.ts";
import { type ServerProcess, startServerProcess } from "./support/process.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";
import { createAnnotation, readAnnotations } from "@marginalia/schema";
import { checkedFetch } from "./support/openapi.ts";

let server: ServerProcess;
let serverEnv: Record<string, string>;
beforeAll(async () => {
  const url = inject("databaseUrl");
  // The same database the other tests use when it is Postgres; a fresh PGlite directory otherwise.
  serverEnv = url
    ? { DATABASE_URL: url, SEED_DEMO: "true" }
    : { DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), "marginalia-data-")), "db") };
  server = await startServerProcess(serverEnv, { timeoutMs: 60_000, ready: /Demo article: \S+\n/ });
}, 90_000);
afterAll(async () => {
  await server?.stop();
});

/** A curl-like caller: it keeps the cookie by hand and sends no Origin. */
const sessions = new WeakMap<object, () => string>();
const sessionToken = (call: object) => sessions.get(call)!();

function caller() {
  let cookie = "";
  const call = async (method: string, route: string, body?: unknown, type = "application/json") => {
    const res = await checkedFetch(server.url + route, {
      method,
      headers: { ...(cookie && { cookie }), ...(body !== undefined && { "content-type": type }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    // By name: a sign-in sets the device cookie too.
    const setCookie = res.headers.getSetCookie().findLast((h) => h.startsWith("marginalia_session="));
    if (setCookie) cookie = setCookie.split(";")[0]!;
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as any };
  };
  sessions.set(call, () => cookie.split("=")[1]!);
  return call;
}

describe("the server process", () => {
  it("answers /healthz and /readyz", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await checkedFetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json(), path).toEqual({ status: "ok" });
    }
  });

  it("seeds the demo and prints a login that works", async () => {
    const login = server.output().match(/Log in as (\S+) \/ (\S+)/);
    expect(login).not.toBeNull();
    const call = caller();
    expect((await call("POST", "/api/auth/login", { email: login![1], password: login![2] })).status).toBe(200);
    const me = await call("GET", "/api/me");
    expect(me.body.groups.length).toBeGreaterThan(0);
    const articleId = server.output().match(/articles\/([0-9a-f-]{36})/)![1];
    expect((await call("GET", `/api/articles/${articleId}`)).body.title).toBe("How to counter Russia-Iran deepening ties?");
  });

  it("takes a curl-style client from sign-up to reading an imported article", async () => {
    const call = caller();
    const email = freshEmail("curl"); // a unique key, not an input: see test/support/seed.ts
    expect((await call("POST", "/api/auth/signup", { email, password: "pass word 123", name: "Curl" })).status).toBe(202);
    // The address is confirmed from the mail the server delivered (MAIL_URL=file:, test/support/mail.ts).
    const confirmed = await call("POST", "/api/auth/confirm", { token: await signupTokenFor(email), password: "pass word 123" });
    expect(confirmed.status).toBe(201);
    expect((await call("POST", "/api/auth/logout")).status).toBe(204);
    expect((await call("POST", "/api/auth/login", { email, password: "pass word 123" })).status).toBe(200);
    const group = await call("POST", "/api/groups", { name: "Curl desk" });
    expect(group.status).toBe(201);
    const imported = await call("POST", `/api/groups/${group.body.id}/articles`, SEED_ARTICLE, "text/plain");
    expect(imported.status).toBe(201);
    const article = await call("GET", `/api/articles/${imported.body.id}`);
    expect(article.body).toMatchObject({ title: "How to counter Russia-Iran deepening ties?", byline: "Hamid Bahrami" });
    const headings = article.body.blocks
      .filter((b: { kind: string }) => b.kind === "heading")
      .map((b: { start: number; end: number }) => blockText(article.body.text, b));
    expect(headings).toEqual(SEED_HEADINGS);
  });

  it("serves the web page on the app's own paths, and 404 elsewhere", async () => {
    const res = await checkedFetch(`${server.url}/articles/${crypto.randomUUID()}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>Marginalia</title>");
    expect((await checkedFetch(`${server.url}/articles/whatever`)).status).toBe(404);
  });

  it("keeps every accepted update across a SIGTERM and a restart", { timeout: 90_000 }, async () => {
    const call = caller();
    const email = `sigterm-${Date.now()}@example.test`;
    await call("POST", "/api/auth/signup", { email, password: "pass word 123", name: "Term" });
    const { body } = await call("POST", "/api/auth/confirm", { token: await signupTokenFor(email), password: "pass word 123" });
    const group = await call("POST", "/api/groups", { name: "Term desk" });
    const imported = await call("POST", `/api/groups/${group.body.id}/articles`, SEED_ARTICLE, "text/plain");
    const article = (await call("GET", `/api/articles/${imported.body.id}`)).body;
    const token = sessionToken(call);
    const writer = openSyncClient(server.url, article.sync.room, token);
    const watcher = openSyncClient(server.url, article.sync.room, token);
    await Promise.all([writer.synced, watcher.synced]);
    for (let i = 0; i < 20; i++) createAnnotation(writer.doc, { kind: "highlight", authorId: body.user.id, body: `n${i}` });
    await eventually(() => expect(readAnnotations(watcher.doc)).toHaveLength(20), 2_000);

    expect(await server.stop("SIGTERM")).toBe(0);
    writer.destroy();
    watcher.destroy();
    server = await startServerProcess(serverEnv, { timeoutMs: 60_000 });
    const reader = openSyncClient(server.url, article.sync.room, token);
    await reader.synced;
    expect(readAnnotations(reader.doc)).toHaveLength(20);
    reader.destroy();
  });

  it("exits cleanly on SIGTERM", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});
