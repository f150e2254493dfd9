import WebSocket from "ws";
import { createAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { type NotStoredReason, notStored } from "../src/sync/persist/commit-errors.ts";
import { TestClient } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { liveServer } from "./support/live.ts";
import { eventually } from "./support/sync-client.ts";
import { socketAuth, tokenQuery } from "./support/socket-auth.ts";

const live = liveServer();

/** One sample of the Prometheus text, summed over its labels; 0 when absent. */
async function sample(name: string, labels = ""): Promise<number> {
  const res = await new TestClient(live.t.app).get("/metrics");
  expect(res.status).toBe(200);
  const text = res.body as string;
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) ? line.includes(labels) : line.startsWith(`${name} `)) total += Number(line.split(" ").at(-1));
  }
  return total;
}

describe("/metrics", () => {
  it("counts sockets, updates applied, broadcast and committed, and the event loop's delay", async () => {
    const before = {
      applied: await sample("marginalia_update_apply_seconds_count"),
      committed: await sample("marginalia_updates_committed_total"),
      out: await sample("marginalia_updates_out_total"),
      sockets: await sample("marginalia_sockets"),
    };
    const { article, members } = await articleWithMembers(live.t.app, ["annotator", "viewer"]);
    const writer = live.open(article.sync.room, members[0]!.token);
    const reader = live.open(article.sync.room, members[1]!.token);
    await Promise.all([writer.synced, reader.synced]);
    expect(await sample("marginalia_sockets")).toBe(before.sockets + 2);
    expect(await sample("marginalia_documents_loaded")).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < 3; i++) createAnnotation(writer.doc, { kind: "comment", authorId: members[0]!.user.id, body: `counted ${i}` });
    await eventually(async () => {
      expect(await sample("marginalia_update_apply_seconds_count")).toBeGreaterThanOrEqual(before.applied + 3);
      expect(await sample("marginalia_updates_committed_total")).toBeGreaterThanOrEqual(before.committed + 3);
      expect(await sample("marginalia_updates_out_total")).toBeGreaterThan(before.out);
    }, 5_000);
    expect(await sample("marginalia_commit_seconds_count", 'outcome="written"')).toBeGreaterThan(0);
    expect(await sample("nodejs_eventloop_lag_p99_seconds")).toBeGreaterThan(0);

    // A refused write is counted by its close code, and as a refused update by where and why.
    const refusedBefore = await sample("marginalia_socket_closes_total", 'code="4403"');
    const forbidden = 'stage="socket",code="forbidden"';
    const updatesRefusedBefore = await sample("marginalia_updates_refused_total", forbidden);
    createAnnotation(reader.doc, { kind: "comment", authorId: members[1]!.user.id, body: "a viewer writes" });
    await eventually(async () => expect(await sample("marginalia_socket_closes_total", 'code="4403"')).toBe(refusedBefore + 1), 5_000);
    expect(await sample("marginalia_updates_refused_total", forbidden)).toBe(updatesRefusedBefore + 1);

    // So is a frame the socket layer refuses before the connection sees it (ws's own limit).
    const oversizeBefore = await sample("marginalia_socket_closes_total", 'code="4413"');
    const token = members[0]!.token;
    const raw = new WebSocket(`${live.url.replace("http", "ws")}/sync/${article.sync.room}?${tokenQuery(token)}`, { headers: socketAuth(token).headers });
    await new Promise((resolve) => raw.once("message", resolve));
    raw.send(new Uint8Array(5 * 1024 * 1024));
    await eventually(async () => expect(await sample("marginalia_socket_closes_total", 'code="4413"')).toBe(oversizeBefore + 1), 5_000);
    raw.terminate();
  });

  it("counts as refused at the commit only what the server refused, not what a stop or a reload left unstored", async () => {
    const { article, members } = await articleWithMembers(live.t.app, ["annotator"]);
    const atCommit = 'stage="commit"';
    const before = await sample("marginalia_updates_refused_total", atCommit);
    /** One update of a new socket's, not stored for `reason`: its socket is closed for it. */
    const unstored = async (reason: NotStoredReason) => {
      const writer = live.open(article.sync.room, members[0]!.token);
      await writer.synced;
      const closesBefore = await sample("marginalia_socket_closes_total");
      const enqueue = vi.spyOn(live.t.hub.committer, "enqueue").mockImplementation((source) => Promise.reject(notStored(reason, source)));
      try {
        createAnnotation(writer.doc, { kind: "comment", authorId: members[0]!.user.id, body: `not stored: ${reason}` });
        await eventually(async () => expect(await sample("marginalia_socket_closes_total")).toBe(closesBefore + 1), 5_000);
      } finally {
        enqueue.mockRestore();
        writer.destroy();
      }
    };
    await unstored("shutdown");
    await unstored("reloaded");
    expect(await sample("marginalia_updates_refused_total", atCommit)).toBe(before);
    // Refused for its content, or for the writer's member id: those are the server's refusals.
    await unstored("refused");
    await unstored("renamed");
    expect(await sample("marginalia_updates_refused_total", atCommit)).toBe(before + 2);
  });

  it("answers unknown paths with a 404, not the app's page, and the app's own pages with it", async () => {
    const client = new TestClient(live.t.app);
    const unknown = await client.get("/no/such/page");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "not_found" } });
    const page = await client.get("/login");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect((await client.get(`/articles/${crypto.randomUUID()}`)).status).toBe(200);
    // The metrics take a GET; another method is told which, not sent the app's 404.
    const posted = await live.t.app.request("/metrics", { method: "POST" });
    expect(posted.status).toBe(405);
    expect(posted.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("/metrics with a token", () => {
  it("wants the token as a bearer token when one is configured, and answers without it in the API's error shape", async () => {
    const { createTestApp } = await import("./support/app.ts");
    const guarded = await createTestApp({ database: live.t.database, env: { METRICS_TOKEN: "a-long-enough-metrics-token" } });
    try {
      const { app } = guarded;
      const missing = await app.request("/metrics");
      expect(missing.status).toBe(401);
      // The same code every other 401 answers with (errors.ts), and the request's id as every error carries.
      const body = (await missing.json()) as { error: { code: string; requestId?: string } };
      expect(body.error.code).toBe("unauthenticated");
      expect(body.error.requestId).toBe(missing.headers.get("x-request-id"));
      expect((await app.request("/metrics", { headers: { authorization: "Bearer wrong-token-of-some-length" } })).status).toBe(401);
      const ok = await app.request("/metrics", { headers: { authorization: "Bearer a-long-enough-metrics-token" } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("marginalia_commit_seconds");
    } finally {
      await guarded.close();
    }
  });
});
