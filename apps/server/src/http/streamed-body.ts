import type { Context } from "hono";

/**
 * Request bodies read a chunk at a time as the chunks arrive, for articles:
 * `c.req.text()` gathers the whole body, then copies and decodes it in one
 * turn, 40 ms of the event loop for an article near its 10 MiB limit
 * (docs/architecture.md, "Large articles").
 */

/** The body as UTF-8 text. As `c.req.text()`, a byte order mark is dropped and malformed bytes become U+FFFD. */
export async function bodyText(c: Context): Promise<string> {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for await (const chunk of chunks(c)) parts.push(decoder.decode(chunk, { stream: true }));
  parts.push(decoder.decode());
  return parts.join("");
}

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
