import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp, signUp } from "./support/app.ts";
import { eventually } from "./support/sync-client.ts";

/** What a plain HTTP client meets at the edges Node handles: answers in the API's one error shape, and honest connections. */
let t: TestApp;
let base: URL;
beforeAll(async () => {
  t = await createTestApp();
  base = new URL(await t.listen());
});
afterAll(() => t.close());

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** Sends requests one after another on one kept-alive connection, and what came back on it. */
async function onOneConnection(requests: Array<{ method: string; path: string; headers?: Record<string, string>; body?: string }>): Promise<Array<Answer | Error>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Array<Answer | Error> = [];
  for (const r of requests) {
    answers.push(
      await new Promise<Answer | Error>((resolve) => {
        const req = http.request(new URL(r.path, base), { method: r.method, headers: r.headers, agent }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", resolve);
        req.end(r.body);
      }),
    );
  }
  agent.destroy();
  return answers;
}

describe("HTTP at its edges", () => {
  it("answers headers over Node's limit (a long query string) with 431 in the error shape", async () => {
    const [answer] = await onOneConnection([{ method: "GET", path: `/api/groups/${crypto.randomUUID()}/annotations?cursor=${"A".repeat(20_000)}` }]);
    expect(answer).not.toBeInstanceOf(Error);
    const { status, headers, body } = answer as Answer;
    expect(status).toBe(431);
    expect(headers["content-type"]).toMatch(/application\/json/);
    expect(JSON.parse(body).error).toMatchObject({ code: "headers_too_large", requestId: expect.any(String) });
  });

  it("cuts a refused connection whose peer never closes its side, so that such peers cannot use up descriptors", async () => {
    // Client and server share this process: each connection is two TCP handles here, until the server lets go of its own.
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    const before = sockets();
    const peers = Array.from({ length: 5 }, () => {
      const socket = net.connect({ host: base.hostname, port: Number(base.port), allowHalfOpen: true });
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk));
      socket.write("GARBAGE\r\n\r\n");
      return { socket, answer: () => answer };
    });
    await eventually(() => expect(peers.map((p) => p.answer())).toEqual(Array(5).fill(expect.stringMatching(/^HTTP\/1\.1 400 /))), 5_000);
    // Before, the server's side stayed open for as long as the peer did.
    await eventually(() => expect(sockets()).toBeLessThanOrEqual(before + 5), 5_000);
    for (const peer of peers) peer.socket.destroy();
  });

  it("closes a connection after refusing a body for its size, and says so, so the next request goes on a new one", async () => {
    const owner = await signUp(t.app);
    const token = (await owner.post("/api/tokens", { name: "edges" })).body.token as string;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const big = JSON.stringify({ name: "b".repeat(1_100_000) });
    const answers = await onOneConnection([
      { method: "POST", path: "/api/tokens", headers, body: big },
      { method: "GET", path: "/api/me", headers },
      { method: "POST", path: "/api/tokens", headers, body: big },
    ]);
    for (const answer of answers) expect(answer).not.toBeInstanceOf(Error);
    const [first, me, third] = answers as Answer[];
    expect([first!.status, first!.headers.connection, JSON.parse(first!.body).error.code]).toEqual([413, "close", "payload_too_large"]);
    expect(me!.status).toBe(200);
    expect(third!.status).toBe(413);
  });

  it("answers a method a path does not take with 405 and Allow, not 404, and marks members' answers private", async () => {
    const owner = await signUp(t.app);
    const group = (await owner.post("/api/groups", { name: "Edges" })).body as { id: string };
    const article = (await owner.post(`/api/groups/${group.id}/articles`, "A short article to annotate.", { "content-type": "text/plain" })).body as { id: string };
    const cases: Array<[string, string, string]> = [
      ["DELETE", "/api/groups", "GET, HEAD, POST"],
      ["PUT", `/w3c/articles/${article.id}/`, "GET, HEAD, OPTIONS, POST"],
      ["PATCH", `/w3c/articles/${article.id}/${crypto.randomUUID()}`, "DELETE, GET, HEAD, OPTIONS, PUT"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await owner.request(method, path, undefined);
      expect([res.status, res.body.error.code, res.headers.get("allow")], `${method} ${path}`).toEqual([405, "method_not_allowed", allow]);
    }
    expect((await owner.get("/api/no-such-route")).status).toBe(404);
    // A path its routes take without the trailing slash: not found, not a 405 naming the method it refused.
    // (Asked of the app directly: the spec check reads a path without its trailing slash, and would judge /api/me.)
    for (const path of ["/api/me/", "/api/groups/", `/api/groups/${group.id}/members/`]) {
      const res = await t.app.request(path, { headers: { cookie: owner.cookie! } });
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code], path).toEqual([404, "not_found"]);
    }
    // The app's pages and files are only read: a write to a page is refused like one to a route, not served the page.
    for (const [method, path, status] of [["POST", "/", 405], ["DELETE", `/articles/${article.id}`, 405], ["PUT", "/index.html", 404]] as const) {
      const res = await t.app.request(path, { method, headers: { cookie: owner.cookie! } });
      const body = (await res.json()) as { error: { code: string } };
      expect([res.status, body.error.code, res.headers.get("allow")], `${method} ${path}`).toEqual(
        status === 405 ? [405, "method_not_allowed", "GET, HEAD"] : [404, "not_found", null],
      );
    }
    expect((await t.app.request("/", { method: "HEAD" })).status).toBe(200);
    const me = await owner.get("/api/me");
    expect(me.headers.get("cache-control")).toBe("private, no-cache");
    const exported = await owner.get(`/api/groups/${group.id}/export?format=csv`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("cache-control")).toBe("private, no-store");
  });
});
