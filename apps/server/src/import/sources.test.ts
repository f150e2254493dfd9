import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import type { FetchedPage } from "../net/fetch-page.ts";
import { type ImportOptions, importSource, pageContent } from "./sources.ts";

/** Persian, which windows-1256 also encodes: read in the wrong one of the two, it comes out garbled, not refused. */
const PERSIAN = "زبان فارسی در ایران، افغانستان و تاجیکستان گفته می‌شود و خط آن از راست به چپ نوشته می‌شود.";
const page = (declared: string) =>
  `<html><head><meta charset="${declared}"><title>فارسی</title></head><body><article><p>${PERSIAN}</p></article></body></html>`;
const utf16be = (text: string) => Buffer.from(text, "utf16le").swap16();

/** Each page marked with a byte order mark that its header and markup contradict. */
const MARKED: Record<string, { type: string; body: Buffer }> = {
  "/utf-8": { type: "text/html", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page("windows-1256"))]) },
  "/utf-16le": { type: "text/html; charset=windows-1256", body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(page("windows-1252"), "utf16le")]) },
  "/utf-16be": { type: "text/html; charset=iso-8859-1", body: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(page("windows-1256"))]) },
  "/text": { type: "text/plain; charset=windows-1256", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PERSIAN)]) },
};

/** Nested deeper than the readers can take in reasonable time (as in test/import-off-thread.test.ts). */
const HOSTILE = `<html><body>${"<div>".repeat(50_000)}text${"</div>".repeat(50_000)}</body></html>`;

let site: http.Server;
let base: string;
const options: ImportOptions = { allowPrivateUrls: true };

beforeAll(async () => {
  site = http.createServer((req, res) => {
    const marked = MARKED[req.url ?? ""];
    if (marked) return res.writeHead(200, { "content-type": marked.type }).end(marked.body);
    if (req.url === "/nested") return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HOSTILE);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => site.close(resolve)));

describe("importing a URL", () => {
  it("reads a page in the encoding its byte order mark names, whatever its header or markup declares, without the mark", async () => {
    for (const path of Object.keys(MARKED)) {
      const { imported } = await importSource({ kind: "url", url: new URL(`${base}${path}`) }, {}, options);
      // Exact: garbled text, or a mark read as U+FEFF, fails it.
      expect(imported.text, path).toBe(path === "/text" ? PERSIAN : `فارسی\n\n${PERSIAN}`);
      if (path !== "/text") expect(imported.title, path).toBe("فارسی");
    }
  });

  it("names the time limit when the page takes too long to read", async () => {
    const err = await importSource({ kind: "url", url: new URL(`${base}/nested`) }, {}, { ...options, text: { timeoutMs: 500, maxHeapMb: 256 } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    const { code, status, field, message } = err as ApiError;
    expect([code, status, field]).toEqual(["source_unreadable", 422, "url"]);
    expect(message).toBe(`url: the page at ${base}/nested could not be read (not read within 0.5 s)`);
  });

  it("hands the fetched bytes to the import thread as they are, not a copy, past the byte order mark", () => {
    const fetched = (body: Buffer<ArrayBuffer>, charset: string | null = null): FetchedPage => ({ url: new URL(base), mediaType: "text/html", charset, body });
    const plain = fetched(Buffer.from(new TextEncoder().encode("<p>مقاله</p>").buffer), "utf-8");
    const { content, charset } = pageContent(plain, "html");
    expect(content.buffer).toBe(plain.body.buffer);
    expect([content.byteOffset, content.byteLength, charset]).toEqual([0, plain.body.byteLength, "utf-8"]);
    const marked = fetched(Buffer.from(new Uint8Array([0xff, 0xfe, 0x41, 0x00]).buffer), "utf-8");
    const past = pageContent(marked, "html");
    expect(past.content.buffer).toBe(marked.body.buffer);
    expect([...past.content, past.charset]).toEqual([0x41, 0x00, "utf-16le"]);
  });
});
