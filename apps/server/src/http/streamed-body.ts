import type { Context } from "hono";
import { ApiError } from "../errors.ts";
import { recheckAccess } from "./access-recheck.ts";

/**
 * Request bodies read a chunk at a time as the chunks arrive, for articles:
 * `c.req.text()` gathers the whole body, then copies and decodes it in one
 * turn, 40 ms of the event loop for an article near its 10 MiB limit
 * (docs/architecture.md, "Large articles").
 */

/** The body as UTF-8 text, a byte order mark dropped; 400 when its bytes are not UTF-8 (see utf8Text). */
export async function bodyText(c: Context): Promise<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parts: string[] = [];
  try {
    for await (const chunk of chunks(c)) parts.push(decoder.decode(chunk, { stream: true }));
    parts.push(decoder.decode());
  } catch (err) {
    if (err instanceof TypeError) throw notUtf8();
    throw err;
  }
  return parts.join("");
}

/**
 * A request body's bytes as UTF-8 text, a byte order mark dropped. Malformed
 * bytes are refused rather than stored as U+FFFD: a client that sent them
 * meant some other text, and the replacement would lose it without a word.
 * (A fetched page is decoded leniently instead, as a browser would show it:
 * import/article.ts.)
 */
export function utf8Text(bytes: Uint8Array | ArrayBuffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw notUtf8();
  }
}

/**
 * A small body (JSON), read whole through Hono, which keeps it for anyone
 * reading it again; the caller's access is decided again once it is in
 * (access-recheck.ts).
 */
export async function requestText(c: Context): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  await recheckAccess(c);
  return utf8Text(bytes);
}

const notUtf8 = () => new ApiError("bad_request", "The body is not valid UTF-8");

/**
 * The body's bytes, in a buffer of their own that can be handed to another
 * thread without a copy (Node's small buffers share a pool, which a transfer
 * would take from everyone).
 */
export async function bodyBytes(c: Context): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks(c)) {
    parts.push(chunk);
    length += chunk.byteLength;
  }
  const bytes = new Uint8Array(new ArrayBuffer(length));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

async function* chunks(c: Context): AsyncGenerator<Uint8Array> {
  const body = c.req.raw.body;
  if (body) yield* body;
}
