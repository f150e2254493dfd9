import { execFile } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ORIGIN, type TestApp, createTestApp, signUp } from "./support/app.ts";
import { seeded } from "./support/seed.ts";
import { eventually } from "./support/sync-client.ts";

/**
 * What a plain HTTP client meets at the edges Node handles: answers in the API's one error shape, and honest
 * connections. Among them, refusals a client meets before the app reads what it sent: a body over the limit
 * while the client is still writing it, a request Node itself would refuse (no Host, an unknown Expect), and
 * a query string whose percent-escapes decode to nothing; each reaches the client in that shape.
 */
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

const rng = seeded("http-edges");
console.log(`http-edges seed ${rng.seed}`);
/** Letters drawn from the suite's generator, so that no compression or caching on the way can shrink the body. */
const letters = (n: number) => {
  const alphabet = Buffer.from("abcdefghijklmnopqrstuvwxyz");
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = alphabet[rng.int(26)]!;
  return out.toString("latin1");
};

type Raw = { status: number; headers: string; body: string; error?: string };

/** Writes a request on a raw socket, its body in chunks as fast as the socket takes them, and reads until the server closes. */
function rawRequest(head: string, body: Buffer | Buffer[] = []): Promise<Raw> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: base.hostname, port: Number(base.port) });
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on("close", () => {
      const text = Buffer.concat(received).toString("utf8");
      const [headers = "", ...rest] = text.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1] ?? 0), headers, body: rest.join("\r\n\r\n"), ...(error && { error }) });
    });
    const chunks = [Buffer.from(head), ...(Array.isArray(body) ? body : [body])];
    const pump = () => {
      while (chunks.length) if (!socket.write(chunks.shift()!)) return void socket.once("drain", pump);
    };
    pump();
  });
}

const run = promisify(execFile);
const errorOf = (raw: Raw) => (JSON.parse(raw.body) as { error: { code: string; message: string; field?: string; requestId?: string } }).error;

describe("a body over the limit, sent whole by a client that keeps writing", () => {
  const big = (bytes: number) => JSON.stringify({ name: letters(bytes) });

  it("reaches fetch, in a process of its own as any client is, as the 413 every time", async () => {
    // In this process the client's writes and the server's reads take turns on one event loop, and the answer
    // always won the race; a client in its own process met the server's close while still writing.
    const script = `
      let state = ${rng.int(2 ** 31)};
      const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
      const name = Buffer.alloc(11.5 * 1024 * 1024, 0).map(() => 97 + (next() >>> 16) % 26).toString("latin1");
      const body = JSON.stringify({ name });
      const outcomes = [];
      for (let i = 0; i < 8; i++) {
        try {
          const res = await fetch(${JSON.stringify(new URL("/api/groups", base).href)}, { method: "POST", headers: { "content-type": "application/json", origin: ${JSON.stringify(TEST_ORIGIN)} }, body });
          outcomes.push(res.status + " " + (await res.json()).error.code);
        } catch (err) {
          outcomes.push(String(err.cause?.code ?? err));
        }
      }
      console.log(JSON.stringify(outcomes));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
    expect(JSON.parse(stdout)).toEqual(Array(8).fill("413 payload_too_large"));
  }, 60_000);

  it("reaches a raw socket as the 413, with a Content-Length body and a chunked one, on the API and an upload", async () => {
    const json = Buffer.from(big(4 * 1024 * 1024));
    const sized = await rawRequest(`POST /api/groups HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`, json);
    expect([sized.status, errorOf(sized).code, sized.error]).toEqual([413, "payload_too_large", undefined]);
    expect(sized.headers).toMatch(/\r\nconnection: close\r\n/i);

    // Chunked: the limit is found only once a mebibyte has been read, part way through the body.
    const chunks = Array.from({ length: 64 }, () => Buffer.from(`10000\r\n${letters(0x10000)}\r\n`));
    const chunked = await rawRequest(`POST /api/groups HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, [...chunks, Buffer.from("0\r\n\r\n")]);
    expect([chunked.status, errorOf(chunked).code, chunked.error]).toEqual([413, "payload_too_large", undefined]);

    const owner = await signUp(t.app);
    const token = (await owner.post("/api/tokens", { name: "refusals" })).body.token as string;
    const group = (await owner.post("/api/groups", { name: "Refusals" })).body as { id: string };
    const text = Buffer.from(letters(11 * 1024 * 1024));
    const upload = await rawRequest(
      `POST /api/groups/${group.id}/articles HTTP/1.1\r\nHost: ${base.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n`,
      text,
    );
    expect([upload.status, errorOf(upload).code, upload.error]).toEqual([413, "payload_too_large", undefined]);
  });

  it("reads at most 16 KiB of a chunked body nobody signed in to, and a signed-in member's up to the route's limit", async () => {
    const body = Buffer.from(JSON.stringify({ name: "n".repeat(20 * 1024) }));
    const chunkedHead = (extra: string) =>
      `POST /api/groups HTTP/1.1\r\nHost: ${base.host}\r\n${extra}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunked = [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")];
    const anonymous = await rawRequest(chunkedHead(""), chunked);
    expect([anonymous.status, errorOf(anonymous).code]).toEqual([413, "payload_too_large"]);
    const owner = await signUp(t.app);
    const token = (await owner.post("/api/tokens", { name: "chunked" })).body.token as string;
    const signedIn = await rawRequest(chunkedHead(`Authorization: Bearer ${token}\r\n`), chunked);
    // Read whole and judged by the route: a name that long is not a group's.
    expect([signedIn.status, errorOf(signedIn).code]).toEqual([400, "validation_failed"]);
  });
});

describe("requests Node refuses itself", () => {
  it("answers an HTTP/1.1 request without Host or with a malformed one, a backslash path, and an Expect it cannot meet, in the error shape", async () => {
    const noHost = await rawRequest("GET /api/me HTTP/1.1\r\n\r\n");
    expect([noHost.status, errorOf(noHost).code]).toEqual([400, "bad_request"]);
    expect(noHost.headers).toMatch(/\r\ncontent-type: application\/json/i);
    expect(errorOf(noHost).requestId).toEqual(expect.any(String));

    const expect417 = await rawRequest(`POST /api/groups HTTP/1.1\r\nHost: ${base.host}\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    expect([expect417.status, errorOf(expect417).code]).toEqual([417, "expectation_failed"]);
    expect(expect417.headers).toMatch(/\r\ncontent-type: application\/json/i);

    // Hono's adapter would answer these two with an empty 400.
    for (const [head, message] of [
      ["GET /api/me HTTP/1.1\r\nHost: a b\r\n\r\n", "The Host header must be a host name, with a port if any"],
      ["GET /api/me HTTP/1.1\r\nHost: example.com/api\r\n\r\n", "The Host header must be a host name, with a port if any"],
      [`GET /api\\me HTTP/1.1\r\nHost: ${base.host}\r\n\r\n`, "A request's path may not hold a backslash"],
    ]) {
      const bad = await rawRequest(head!);
      expect([bad.status, errorOf(bad).code, errorOf(bad).message]).toEqual([400, "bad_request", message]);
    }
    // A backslash in the query is data, and a host may be any case, with a port.
    const fine = await rawRequest(`GET /api/me?q=a\\b HTTP/1.1\r\nHost: ${base.host.toUpperCase()}\r\n\r\n`);
    expect([fine.status, errorOf(fine).code]).toEqual([401, "unauthenticated"]);

    // HTTP/1.0 has no Host to require: answered as any request is.
    const old = await rawRequest("GET /api/me HTTP/1.0\r\n\r\n");
    expect([old.status, errorOf(old).code]).toEqual([401, "unauthenticated"]);
  });
});

describe("percent-escapes that decode to no text", () => {
  it("refuses them in any query value with the field named, and stores nothing", async () => {
    const owner = await signUp(t.app);
    const group = (await owner.post("/api/groups", { name: "Escapes" })).body as { id: string };
    const importAs = (title: string) => owner.post(`/api/groups/${group.id}/articles?title=${title}`, "Some text to import here.", { "content-type": "text/plain" });
    for (const title of ["%ED%A0%80", "%FF", "%C0%80", "%", "%zz", "a%zz%20b", "a%2", "%E2%82"]) {
      const reply = await importAs(title);
      expect([reply.status, reply.body.error?.code, reply.body.error?.field], title).toEqual([400, "validation_failed", "title"]);
    }
    expect((await owner.get(`/api/groups/${group.id}/articles`)).body.articles).toEqual([]);
    const fine = await importAs("ok%20title%20%F0%9F%99%82+too");
    expect([fine.status, fine.body.title]).toEqual([201, "ok title 🙂 too"]);

    const search = await owner.get(`/api/groups/${group.id}/annotations?q=%ED%A0%80`);
    expect([search.status, search.body.error?.field]).toEqual([400, "q"]);
    // A name that does not decode is named as sent.
    const badName = await owner.get(`/api/groups/${group.id}/annotations?%FF=1`);
    expect([badName.status, badName.body.error?.field]).toEqual([400, "%FF"]);
    // On a route that reads no query too: one check for all, before any route.
    const me = await owner.get("/api/me?x=%zz");
    expect([me.status, me.body.error?.field]).toEqual([400, "x"]);
  });

  it("answers a path whose escapes decode to no text as one that names nothing", async () => {
    const owner = await signUp(t.app);
    for (const path of ["/api/groups/%FF", "/api/groups/%ED%A0%80/articles", "/w3c/articles/%zz/"]) {
      const reply = await owner.get(path);
      expect([reply.status, reply.body.error?.code], path).toEqual([404, "not_found"]);
    }
  });
});

/**
 * Sends a request's head over a raw socket and its body only after "100 Continue", as curl does (but without
 * curl's one-second wait, after which it sends the body anyway). Returns everything the server wrote, and
 * whether the body went.
 */
function expectingContinue(method: string, path: string, headers: Record<string, string>, body: string): Promise<{ text: string; sentBody: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: base.hostname, port: Number(base.port) });
    let text = "";
    let sentBody = false;
    socket.on("data", (chunk) => {
      text += chunk;
      if (!sentBody && text.startsWith("HTTP/1.1 100 Continue\r\n\r\n")) {
        sentBody = true;
        socket.write(body);
      }
    });
    socket.on("close", () => resolve({ text, sentBody }));
    socket.on("error", reject);
    const lines = Object.entries({ host: base.host, "content-length": String(Buffer.byteLength(body)), ...headers, expect: "100-continue", connection: "close" });
    socket.write(`${method} ${path} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`);
  });
}

const json = { "content-type": "application/json" };

/**
 * A client that sends `Expect: 100-continue` holds its body back until told to go on. The server tells it
 * only once the app reads the body; a request refused before that gets its final answer instead, and its
 * body is never sent (docs/architecture.md, "Routes").
 */
describe("Expect: 100-continue", () => {
  it("answers a request refused on its headers with its final status, never 100 Continue", async () => {
    const group = JSON.stringify({ name: "Never sent" });
    const refusals = [
      // No session, on a route that needs one.
      await expectingContinue("POST", "/api/groups", json, group),
      // A Content-Length over the route's limit (16 KiB on /api/auth).
      await expectingContinue("POST", "/api/auth/login", json, JSON.stringify({ email: "a@example.test", password: "p".repeat(20_000) })),
      // No such route.
      await expectingContinue("POST", "/no/such/route", json, group),
    ];
    const statuses = refusals.map(({ text }) => text.slice(0, 12));
    expect(statuses).toEqual(["HTTP/1.1 401", "HTTP/1.1 413", "HTTP/1.1 404"]);
    for (const { text, sentBody } of refusals) {
      expect(text).not.toContain("100 Continue");
      expect(sentBody).toBe(false);
      expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).error.code).toEqual(expect.any(String));
    }
  });

  it("answers a request refused once the database is asked (another's group) without 100 Continue", async () => {
    const stranger = await signUp(t.app);
    const { id } = (await stranger.post("/api/groups", { name: "Not yours" })).body as { id: string };
    const outsider = await signUp(t.app);
    const token = (await outsider.post("/api/tokens", { name: "continue" })).body.token as string;
    const invite = JSON.stringify({ email: "someone@example.test", role: "annotator" });
    const { text, sentBody } = await expectingContinue("POST", `/api/groups/${id}/invitations`, { ...json, authorization: `Bearer ${token}` }, invite);
    expect(text.slice(0, 12)).toBe("HTTP/1.1 404");
    expect(text).not.toContain("100 Continue");
    expect(sentBody).toBe(false);
  });

  it("tells an acceptable request to go on, and serves it", async () => {
    const owner = await signUp(t.app);
    const token = (await owner.post("/api/tokens", { name: "continue" })).body.token as string;
    const { text, sentBody } = await expectingContinue("POST", "/api/groups", { ...json, authorization: `Bearer ${token}` }, JSON.stringify({ name: "Sent after 100" }));
    expect(sentBody).toBe(true);
    const final = text.slice("HTTP/1.1 100 Continue\r\n\r\n".length);
    expect(final.slice(0, 12)).toBe("HTTP/1.1 201");
    expect(JSON.parse(final.slice(final.indexOf("\r\n\r\n") + 4))).toMatchObject({ name: "Sent after 100" });
  });
});
