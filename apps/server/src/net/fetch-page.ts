import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import { ApiError } from "../errors.ts";
import { AddressNotPublicError, type PrivateAllowance, assertPublicUrl, guardedLookup, notPublic } from "./address.ts";

export type FetchLimits = {
  /** Bytes of body at most, counted after decompression, so that a small compressed answer cannot inflate past it. */
  maxBytes: number;
  /** The whole fetch, every redirect included. */
  timeoutMs: number;
  maxRedirects: number;
};

export const FETCH_DEFAULTS: FetchLimits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 20_000, maxRedirects: 5 };

/** `body`: its own memory, not shared with any other buffer, so that it can be handed to a thread whole. */
export type FetchedPage = { url: URL; mediaType: string; charset: string | null; body: Buffer<ArrayBuffer> };

export type FetchOptions = FetchLimits & {
  allowPrivate: PrivateAllowance;
  /** Media types worth reading; any other answer is refused before its body is read. */
  accept: readonly string[];
  /** The request field the URL came from, named in every refusal. */
  field?: string;
};

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a page for an import. Every hop is checked twice: its host before
 * connecting (assertPublicUrl: a clear refusal, and the only check for an IP
 * literal, which is connected to without a lookup), and the address actually
 * connected to (guardedLookup). Redirects are followed here, one by one, so
 * that each is checked; the body is counted as it streams and cut at the limit.
 */
export async function fetchPage(start: URL, options: FetchOptions): Promise<FetchedPage> {
  const field = options.field ?? "url";
  const unreadable = (why: string) => new ApiError("source_unreadable", `${field}: ${why}`, field);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let url = start;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw unreadable(`${url.href} is not an http(s) URL`);
    await assertPublicUrl(url, { allowPrivate: options.allowPrivate, field });
    if (deadline.aborted) throw unreadable(`no answer within ${options.timeoutMs / 1000} s`);
    const res = await request(url, options.allowPrivate, deadline).catch((err: unknown) => {
      if (err instanceof AddressNotPublicError) throw notPublic(field, err.host, err.address, err.reason);
      throw unreadable(deadline.aborted ? `no answer within ${options.timeoutMs / 1000} s` : `${url.host} could not be reached (${(err as Error).message})`);
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location) {
      res.resume();
      if (hop >= options.maxRedirects) throw unreadable(`more than ${options.maxRedirects} redirects`);
      url = new URL(location, url);
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw unreadable(`${url.host} answered ${status}`);
    }
    const [mediaType = "", ...params] = (res.headers["content-type"] ?? "").split(";").map((p) => p.trim());
    if (!options.accept.includes(mediaType.toLowerCase())) {
      res.resume();
      throw unreadable(`the page is ${mediaType || "of no stated type"}, not ${options.accept.join(", ")}`);
    }
    const declared = Number(res.headers["content-length"]);
    if (declared > options.maxBytes) {
      res.resume();
      throw unreadable(`the page is larger than ${sizeText(options.maxBytes)}`);
    }
    const charset = params.find((p) => /^charset=/i.test(p))?.slice("charset=".length).replace(/"/g, "") ?? null;
    const body = await readLimited(res, options.maxBytes, deadline).catch((err: Error) => {
      throw unreadable(deadline.aborted ? `no answer within ${options.timeoutMs / 1000} s` : err.message);
    });
    return { url, mediaType: mediaType.toLowerCase(), charset, body };
  }
}

function request(url: URL, allowPrivate: PrivateAllowance, signal: AbortSignal): Promise<http.IncomingMessage> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, {
      lookup: guardedLookup(allowPrivate),
      signal,
      headers: {
        "user-agent": "Marginalia-Import/1",
        accept: "text/html,application/xhtml+xml,text/plain;q=0.8,application/pdf;q=0.8",
        "accept-encoding": "gzip, deflate, br",
      },
    });
    req.on("response", resolve);
    req.on("error", reject);
  });
}

/** The body as sent before compression; an unknown coding is read as is. */
function decoded(res: http.IncomingMessage): Readable {
  const coding = (res.headers["content-encoding"] ?? "").toLowerCase();
  if (coding === "gzip" || coding === "x-gzip") return res.pipe(zlib.createGunzip());
  if (coding === "deflate") return res.pipe(zlib.createInflate());
  if (coding === "br") return res.pipe(zlib.createBrotliDecompress());
  return res;
}

/**
 * The body, decompressed, cut at `maxBytes`. On a cut or a failure the response is destroyed with the
 * decompressor: destroying the decompressor alone left the page's socket open until the deadline.
 * The bytes are gathered into memory of their own, never Node's shared pool, so that they can be handed
 * to an import thread without another copy (import/sources.ts).
 */
function readLimited(res: http.IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer<ArrayBuffer>> {
  const stream = decoded(res);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let read = 0;
    const onAbort = () => fail(new Error("aborted"));
    const fail = (err: Error) => {
      signal.removeEventListener("abort", onAbort);
      stream.destroy();
      res.destroy();
      reject(err);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) fail(new Error(`the page is larger than ${sizeText(maxBytes)}`));
      else chunks.push(chunk);
    });
    stream.on("end", () => {
      signal.removeEventListener("abort", onAbort);
      resolve(joined(chunks, read));
    });
    stream.on("error", (err) => fail(new Error(`the page could not be read (${err.message})`)));
  });
}

/** The chunks in one buffer that owns its memory whole (Buffer.concat takes a small result from the shared pool). */
function joined(chunks: readonly Buffer[], length: number): Buffer<ArrayBuffer> {
  const body = Buffer.from(new ArrayBuffer(length));
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}
