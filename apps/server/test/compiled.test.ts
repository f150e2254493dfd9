import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildServer } from "../scripts/build.ts";
import { SEED_ARTICLE } from "./support/fixtures.ts";
import { makePdf } from "./support/pdf.ts";
import { COMPILED_SERVER, type ServerProcess, startServerProcess } from "./support/process.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";
import { articleOverHttp, call, projection } from "./reliability/support/over-http.ts";
import { checkedFetch } from "./support/openapi.ts";

/**
 * The server compiled to JavaScript (`pnpm build:server`) and run by plain
 * Node, as the Docker image runs it: it finds its migrations, the embedded
 * database's worker, the demo's fixture and the web app from dist/, and
 * serves HTTP and live documents.
 */

const databaseUrl = inject("databaseUrl");
if (!databaseUrl) console.warn("[compiled.test] the compiled server runs on the embedded database only: TEST_DATABASE_URL is not set");

beforeAll(() => buildServer(), 60_000);

async function exercise(server: ServerProcess) {
  for (const route of ["/healthz", "/readyz"]) {
    const res = await checkedFetch(server.url + route);
    expect(res.status, route).toBe(200);
    expect(await res.json(), route).toEqual({ status: "ok" });
  }
  expect((await checkedFetch(server.url + "/")).headers.get("content-type")).toMatch(/^text\/html/);
  // Its text is read on the import worker (import/off-thread.ts), bundled as dist/import-worker.js.
  const article = await articleOverHttp(server.url, "Compiled desk", SEED_ARTICLE, []);
  const read = await call(server.url, "GET", `/api/articles/${article.articleId}`, undefined, article.owner.cookie);
  expect(read.body.title).toBe("How to counter Russia-Iran deepening ties?");
  // The PDF reader runs on a worker thread that starts from its own file, from dist/ as from src/.
  const pdf = await checkedFetch(`${server.url}/api/groups/${read.body.groupId}/articles`, {
    method: "POST",
    headers: { cookie: article.owner.cookie, "content-type": "application/pdf" },
    body: await makePdf([[["Read by the compiled server's PDF worker."]]]),
  });
  expect(pdf.status).toBe(201);
  expect(await pdf.json()).toMatchObject({ text: "Read by the compiled server's PDF worker.", blocks: [{ kind: "paragraph", page: 1 }] });
  const client = openSyncClient(server.url, article.room, article.owner.token);
  try {
    await client.synced;
    const id = createAnnotation(client.doc, { kind: "comment", authorId: article.owner.id, body: "written to the compiled server" });
    await eventually(async () => expect((await projection(server.url, article.owner.cookie, article.articleId)).get(id)).toBe("written to the compiled server"), 10_000);
  } finally {
    client.destroy();
  }
}

describe("the compiled server", () => {
  it("loads at start none of the packages only import threads or outgoing mail need", () => {
    // What the main bundle imports statically is loaded with the process: the HTML and Markdown readers
    // (about 7 MB of heap) belong on import threads (import/article.ts), nodemailer on the first message.
    const bundle = readFileSync(path.join(import.meta.dirname, "..", "dist", "main.js"), "utf8");
    const loaded = [...bundle.matchAll(/^import\b[^;]*?from "([^"]+)";/gm)].map((m) => m[1]);
    expect(loaded).toContain("yjs");
    for (const name of ["linkedom", "@mozilla/readability", "sanitize-html", "markdown-it", "nodemailer"]) expect(loaded).not.toContain(name);
  });

  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("runs on the embedded database, with the demo seeded from its fixture", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "marginalia-compiled-"));
    dirs.push(dir);
    const server = await startServerProcess({ DATA_DIR: path.join(dir, "db") }, { args: COMPILED_SERVER, timeoutMs: 60_000, ready: /Demo article: \S+\n/ });
    servers.push(server);
    await exercise(server);
    // A clean stop: the embedded database's thread ends with the process.
    expect(await server.stop()).toBe(0);
  }, 90_000);

  it.runIf(databaseUrl)("runs on Postgres", async () => {
    const server = await startServerProcess({ DATABASE_URL: databaseUrl!, SEED_DEMO: "false" }, { args: COMPILED_SERVER, timeoutMs: 60_000 });
    servers.push(server);
    await exercise(server);
    expect(await server.stop()).toBe(0);
  }, 90_000);
});
