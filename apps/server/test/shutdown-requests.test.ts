import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_USER } from "../src/demo/seed.ts";
import { seedTarget } from "./support/article.ts";
import { SEED_ARTICLE } from "./support/fixtures.ts";
import { type ServerProcess, startServerProcess } from "./support/process.ts";

/**
 * REST writes in flight when SIGTERM comes, on the embedded database (docs/architecture.md, "Shutdown"): each
 * one the server took is answered for what happened to it before the database closes under it, and none is
 * answered 500. A 503 is the documented answer to one that could not finish.
 */
describe("a SIGTERM while REST writes are in flight", () => {
  const env = { DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), "marginalia-stop-")), "db"), SEED_DEMO: "true" };
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("answers every write it took before its database closes, and keeps those it answered 201", { timeout: 120_000 }, async () => {
    server = await startServerProcess(env, { timeoutMs: 60_000, ready: /Demo article: \S+\n/ });
    let cookie = "";
    const call = async (method: string, route: string, body?: unknown, type = "application/json") => {
      const res = await fetch(server!.url + route, {
        method,
        headers: { ...(cookie && { cookie }), ...(body !== undefined && { "content-type": type }) },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const session = res.headers.getSetCookie().findLast((h) => h.startsWith("marginalia_session="));
      if (session) cookie = session.split(";")[0]!;
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    expect((await call("POST", "/api/auth/login", { email: DEMO_USER.email, password: DEMO_USER.password })).status).toBe(200);
    const group = await call("POST", "/api/groups", { name: "Stopping desk" });
    const article = await call("POST", `/api/groups/${group.body.id}/articles`, SEED_ARTICLE, "text/plain");
    expect(article.status).toBe(201);
    const target = seedTarget(0, "Russia");

    // `early`: sent before the signal, and so taken by the server before it stopped taking requests.
    const answers: { status: number; importing: boolean; early: boolean; id?: string }[] = [];
    let signalled = false;
    const stopAfter = 30;
    // Writers that keep going until the server no longer takes connections: some of their writes are in flight at the signal.
    const writer = async (w: number) => {
      for (let n = 0; ; n++) {
        let res: { status: number; body: { id?: string } | null };
        // Comments, which write through the live document, and imports, which write a transaction of their own.
        const importing = w % 2 === 1;
        const early = !signalled;
        try {
          res = importing
            ? await call("POST", `/api/groups/${group.body.id}/articles?title=${encodeURIComponent(`writer ${w} import ${n}`)}`, SEED_ARTICLE, "text/plain")
            : await call("POST", `/api/articles/${article.body.id}/annotations`, { kind: "comment", body: `writer ${w} note ${n}`, target });
        } catch {
          // Refused or cut before it was taken: nothing was answered, and nothing is owed.
          if (signalled) return;
          throw new Error("a write failed before the signal");
        }
        answers.push({ status: res.status, importing, early, ...(res.body?.id && { id: res.body.id }) });
        if (!signalled && answers.length >= stopAfter) {
          signalled = true;
          server!.child.kill("SIGTERM");
        }
      }
    };
    // The process may still be sending its last answers when the writers have all stopped: it exits on its own.
    const exited = new Promise<number | null>((resolve) => server!.child.once("exit", resolve));
    await Promise.all(Array.from({ length: 12 }, (_, w) => writer(w)));
    const code = server.child.exitCode ?? (await exited);
    expect(code, server.output().slice(-4000)).toBe(0);
    const statuses = (which: typeof answers) => [...new Set(which.map((a) => a.status))].sort().join(", ");
    expect(statuses(answers.filter((a) => !a.early)), "sent after the signal, answered").toMatch(/^(201|503)?(, 503)?$/);
    // Those taken before the signal finished before the database closed (the grace period is ample for a few writes).
    expect(statuses(answers.filter((a) => a.early)), server.output().slice(-3000)).toBe("201");

    server = await startServerProcess(env, { timeoutMs: 60_000, ready: /Demo article: \S+\n/ });
    cookie = "";
    await call("POST", "/api/auth/login", { email: DEMO_USER.email, password: DEMO_USER.password });
    const stored = new Set<string>();
    for (let cursor: string | null = null; ; ) {
      const page = await call("GET", `/api/articles/${article.body.id}/annotations?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      for (const a of page.body.annotations as { id: string }[]) stored.add(a.id);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    const created = answers.filter((a) => a.status === 201 && !a.importing).map((a) => a.id!);
    expect(created.filter((id) => !stored.has(id))).toEqual([]);
    for (const imported of answers.filter((a) => a.status === 201 && a.importing)) {
      expect((await call("GET", `/api/articles/${imported.id}`)).status).toBe(200);
    }
  });
});
