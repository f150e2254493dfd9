// Snapshots in and out of Postgres as raw bytes, by binary COPY: the one way
// postgres.js and PGlite both move a bytea without coding it as text (hex or
// base64, which the database spends longer making than it spends sending the
// bytes; see docs/architecture.md, "Persistence and the commit"). Plain
// JavaScript, for the database and compaction threads as well as the server.
//
// The log's rows, which are many and small, still travel as base64 text
// (`fromBase64`, `toBase64`): postgres.js sends every parameter as text, and
// bytea's own text form, hex, is twice the size and slower.
//
// The format is the PostgreSQL manual's ("COPY", "Binary Format"): an 11-byte
// signature, 32-bit flags and header-extension length, then per row a 16-bit
// field count and each field as a 32-bit length (-1 for NULL) and its bytes;
// a field count of -1 ends it.

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const HEADER_BYTES = SIGNATURE.length + 8;

/** Bytes on an ArrayBuffer of their own (a small Buffer is a view of a shared pool), so that they can be transferred. */
export function fromBase64(text) {
  const buffer = Buffer.from(text, "base64");
  const whole = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
  return new Uint8Array(whole ? buffer.buffer : buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
}

export const toBase64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/** A string as an SQL literal, for COPY, which takes no parameters (standard_conforming_strings is on: only quotes are special). */
export const quoteLiteral = (text) => `'${text.replaceAll("'", "''")}'`;

/**
 * The first row of a binary COPY's output, each field on an ArrayBuffer of
 * its own (so that it can be transferred) or null for NULL; null when the
 * COPY wrote no row. Throws on bytes that are not a binary COPY.
 */
export function firstRow(copy) {
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  if (copy.byteLength < HEADER_BYTES + 2 || SIGNATURE.some((byte, i) => copy[i] !== byte)) {
    throw new Error("not the output of a binary COPY");
  }
  let at = HEADER_BYTES + view.getInt32(HEADER_BYTES - 4);
  const fields = view.getInt16(at);
  if (fields < 0) return null;
  at += 2;
  const row = [];
  for (let i = 0; i < fields; i++) {
    const length = view.getInt32(at);
    at += 4;
    if (length > copy.byteLength - at) throw new Error("a binary COPY's field runs past its end");
    // A copy of its own, even from a Buffer, whose slice is a view of the whole.
    row.push(length < 0 ? null : Uint8Array.prototype.slice.call(copy, at, at + length));
    at += Math.max(0, length);
  }
  return row;
}

/** One row of one bytea column, as binary COPY FROM reads it. */
export function binaryCopyOf(bytes) {
  const out = new Uint8Array(HEADER_BYTES + 6 + bytes.byteLength + 2);
  out.set(SIGNATURE);
  const view = new DataView(out.buffer);
  view.setInt16(HEADER_BYTES, 1);
  view.setInt32(HEADER_BYTES + 2, bytes.byteLength);
  out.set(bytes, HEADER_BYTES + 6);
  view.setInt16(HEADER_BYTES + 6 + bytes.byteLength, -1);
  return out;
}

/**
 * Runs `copy (…) to stdout with (format binary)` on a postgres.js pool and
 * returns its first row (`firstRow`). postgres.js hands COPY's data over as
 * it arrives, with no parsing of its own.
 *
 * postgres.js 3.4 pauses its socket when a chunk fills the stream's buffer
 * and resumes it only when the stream asks for more; when the end of the
 * COPY came in the same read as that chunk, nothing asks again, and every
 * later query on the connection waited forever (a row of a few tens of
 * kilobytes did it; https://github.com/porsager/postgres/pull/1016). Once the
 * stream has ended, its read callback, which is the socket's resume, is
 * called once more.
 */
export async function copyOutFirstRow(sql, query) {
  const stream = await sql.unsafe(query).readable();
  const chunks = [];
  await new Promise((resolve, reject) => {
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.once("end", () => {
      stream._read();
      resolve();
    });
    stream.once("error", reject);
  });
  return firstRow(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}
