import http from "node:http";
import type { AddressInfo } from "node:net";
import { createGzip, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "../errors.ts";
import { AddressNotPublicError, addressRefusal, guardedLookup } from "./address.ts";
import { type FetchOptions, fetchPage } from "./fetch-page.ts";

/**
 * One local server answers on every loopback address; the guard is told to
 * let 127.0.0.1 through and nothing else, so a redirect to 127.0.0.2 (or to a
 * name that resolves to loopback) stands for a public page sending the server
 * inside its own network.
 */
let server: http.Server;
let port: number;
const stalled: http.ServerResponse[] = [];
/** Whether the connection that asked for the endless page has closed, as the server sees it. */
let endlessClosed = false;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const [path, query = ""] = (req.url ?? "/").split("?");
    const params = new URLSearchParams(query);
    if (path === "/page") return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<p>Café</p>");
    if (path === "/latin1") return res.writeHead(200, { "content-type": "text/html; charset=iso-8859-1" }).end(Buffer.from("<p>Caf\xe9</p>", "latin1"));
    if (path === "/gzip") return res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" }).end(gzipSync("<p>packed</p>"));
    if (path === "/redirect") return res.writeHead(302, { location: params.get("to")! }).end();
    if (path === "/loop") return res.writeHead(301, { location: "/loop" }).end();
    if (path === "/image") return res.writeHead(200, { "content-type": "image/png" }).end("png");
    if (path === "/missing") return res.writeHead(404).end();
    if (path === "/big") {
      // Chunked, with no length to refuse it by up front: the cut happens while reading.
      res.writeHead(200, { "content-type": "text/html" });
      for (let i = 0; i < 8; i++) res.write("x".repeat(1024));
      return res.end();
    }
    if (path === "/endless") {
      // Zeros compressed without end: a few hundred bytes on the wire inflate past any limit.
      res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" });
      const gzip = createGzip();
      gzip.pipe(res);
      const zeros = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (!res.destroyed && gzip.write(zeros));
        if (!res.destroyed) gzip.once("drain", pump);
      };
      req.socket.once("close", () => {
        endlessClosed = true;
        gzip.destroy();
      });
      return pump();
    }
    if (path === "/stall") {
      stalled.push(res);
      return;
    }
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const options: FetchOptions = {
  allowPrivate: new Set(["127.0.0.1"]),
  accept: ["text/html"],
  maxBytes: 4096,
  timeoutMs: 5_000,
  maxRedirects: 3,
};
const at = (path: string, host = "127.0.0.1") => new URL(`http://${host}:${port}${path}`);

async function refusal(url: URL, overrides: Partial<FetchOptions> = {}): Promise<ApiError> {
  const err = await fetchPage(url, { ...options, ...overrides }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("fetchPage", () => {
  it("reads a page, following redirects, decompressing, with its charset", async () => {
    const page = await fetchPage(at(`/redirect?to=${encodeURIComponent("/page")}`), options);
    expect(page.url.pathname).toBe("/page");
    expect(page.mediaType).toBe("text/html");
    expect(page.charset).toBe("utf-8");
    expect(page.body.toString("utf8")).toBe("<p>Café</p>");
    expect((await fetchPage(at("/gzip"), options)).body.toString()).toBe("<p>packed</p>");
    expect((await fetchPage(at("/latin1"), options)).charset).toBe("iso-8859-1");
  });

  it("gathers a body into memory of its own, which a thread can be handed without a copy", async () => {
    for (const path of ["/page", "/gzip"]) {
      const { body } = await fetchPage(at(path), options);
      expect([body.byteOffset, body.buffer.byteLength], path).toEqual([0, body.byteLength]);
    }
  });

  it("refuses loopback, private, link-local and metadata addresses, naming which", async () => {
    const cases: [string, RegExp][] = [
      ["127.0.0.2", /loopback/],
      ["10.1.2.3", /private/],
      ["192.168.0.10", /private/],
      ["169.254.1.1", /link-local/],
      ["169.254.169.254", /metadata/],
      ["[::1]", /loopback/],
      ["[fd00:ec2::254]", /metadata/],
    ];
    for (const [host, reason] of cases) {
      const err = await refusal(at("/page", host));
      expect(err.code, host).toBe("address_not_public");
      expect(err.status, host).toBe(400);
      expect(err.field, host).toBe("url");
      expect(err.message, host).toMatch(reason);
    }
    expect(addressRefusal("93.184.215.14")).toBeNull();
  });

  it("checks every redirect: a hop to another loopback address or to a name for one is refused", async () => {
    const toAddress = await refusal(at(`/redirect?to=${encodeURIComponent(`http://127.0.0.2:${port}/page`)}`));
    expect(toAddress.code).toBe("address_not_public");
    expect(toAddress.message).toContain("127.0.0.2");
  });

  it("checks the address actually connected to, whatever was checked before", async () => {
    // The lookup the HTTP client connects through: a name that resolved publicly a moment ago may not now.
    const looked = await new Promise<Error | null>((resolve) => guardedLookup(false)("localhost", {}, (err) => resolve(err)));
    expect(looked).toBeInstanceOf(AddressNotPublicError);
    expect(looked!.message).toMatch(/localhost resolves to \S+, a loopback address/);
    const allowed = await new Promise<unknown>((resolve) => guardedLookup(true)("localhost", {}, (err, address) => resolve(err ?? address)));
    expect(allowed).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it("refuses what is not an article page: wrong type, an error status, a redirect loop, a non-http hop", async () => {
    expect((await refusal(at("/image"))).message).toMatch(/image\/png/);
    expect((await refusal(at("/missing"))).message).toMatch(/answered 404/);
    expect((await refusal(at("/loop"))).message).toMatch(/more than 3 redirects/);
    expect((await refusal(at(`/redirect?to=${encodeURIComponent("file:///etc/passwd")}`))).message).toMatch(/not an http\(s\) URL/);
    for (const err of [await refusal(at("/image")), await refusal(at("/missing"))]) {
      expect(err.code).toBe("source_unreadable");
      expect(err.status).toBe(422);
    }
  });

  it("cuts a body at the size limit while streaming, and a page at the time limit", async () => {
    const big = await refusal(at("/big"));
    expect(big.code).toBe("source_unreadable");
    expect(big.message).toMatch(/larger than 4096 bytes/);
    const slow = await refusal(at("/stall"), { timeoutMs: 300 });
    expect(slow.code).toBe("source_unreadable");
    expect(slow.message).toMatch(/no answer within 0.3 s/);
  });

  it("closes the connection as soon as a compressed page is cut at the size limit, not at the deadline", async () => {
    const endless = await refusal(at("/endless"), { timeoutMs: 20_000 });
    expect(endless.message).toMatch(/larger than 4096 bytes/);
    await vi.waitFor(() => expect(endlessClosed).toBe(true), { timeout: 5_000 });
  });
});
