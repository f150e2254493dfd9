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
 * Reads a binary COPY's output as it arrives and keeps its first row. Each
 * field is copied once, from the chunks straight into an array of its own,
 * sized from the length the field starts with: gathering the chunks and then
 * slicing the field out cost two copies of a snapshot on the event loop, the
 * second all at once after the last chunk (35 ms for 10 MB on a busy host).
 *
 * Options: `headroom`, free bytes before each field in its buffer, for a
 * caller that frames the bytes in place (messages.ts, `syncStep2Message`);
 * `shared`, fields on a SharedArrayBuffer, which a worker thread reads where
 * it is instead of being sent a copy (sync/yjs-worker.ts).
 */
export class FirstRowReader {
  #headroom;
  #shared;
  /** What the next bytes are: "header", "extension", "count", "length", "field" or, once the row is read, "done". */
  #step = "header";
  /** A fixed-size part (header, count, length) gathered across chunks. */
  #part = new Uint8Array(HEADER_BYTES);
  #want = HEADER_BYTES;
  #have = 0;
  #fields = 0;
  /** The row so far; null once a COPY without rows has ended. */
  #row = [];
  #field = null;
  #filled = 0;

  constructor({ headroom = 0, shared = false } = {}) {
    this.#headroom = headroom;
    this.#shared = shared;
  }

  push(chunk) {
    let at = 0;
    while (at < chunk.byteLength && this.#step !== "done") {
      if (this.#step === "field") {
        const n = Math.min(this.#field.byteLength - this.#filled, chunk.byteLength - at);
        this.#field.set(chunk.subarray(at, at + n), this.#filled);
        at += n;
        this.#filled += n;
        if (this.#filled === this.#field.byteLength) this.#fieldDone(this.#field);
        continue;
      }
      // A header extension (none in today's format) is skipped, not gathered: it may be longer than `#part`.
      const skip = this.#step === "extension";
      const n = Math.min(this.#want - this.#have, chunk.byteLength - at);
      if (!skip) this.#part.set(chunk.subarray(at, at + n), this.#have);
      at += n;
      this.#have += n;
      if (this.#have === this.#want) this.#partDone(skip ? null : new DataView(this.#part.buffer, 0, this.#want));
    }
  }

  /** The row: each field's bytes, or null for NULL; null when the COPY wrote no row. Throws when the output ended early. */
  finish() {
    if (this.#step === "header") throw new Error("not the output of a binary COPY");
    if (this.#step !== "done") throw new Error(this.#step === "field" ? "a binary COPY's field runs past its end" : "a binary COPY ended early");
    return this.#row;
  }

  #expect(step, bytes) {
    this.#step = step;
    this.#want = bytes;
    this.#have = 0;
  }

  #partDone(view) {
    if (this.#step === "header") {
      if (SIGNATURE.some((byte, i) => view.getUint8(i) !== byte)) throw new Error("not the output of a binary COPY");
      const extension = view.getInt32(HEADER_BYTES - 4);
      if (extension > 0) this.#expect("extension", extension);
      else this.#expect("count", 2);
    } else if (this.#step === "extension") {
      this.#expect("count", 2);
    } else if (this.#step === "count") {
      this.#fields = view.getInt16(0);
      if (this.#fields < 0) this.#row = null;
      if (this.#fields <= 0) this.#step = "done";
      else this.#expect("length", 4);
    } else {
      const length = view.getInt32(0);
      if (length < 0) return this.#fieldDone(null);
      const Memory = this.#shared ? SharedArrayBuffer : ArrayBuffer;
      this.#field = new Uint8Array(new Memory(this.#headroom + length), this.#headroom, length);
      this.#filled = 0;
      if (length === 0) this.#fieldDone(this.#field);
      else this.#step = "field";
    }
  }

  #fieldDone(field) {
    this.#row.push(field);
    this.#field = null;
    if (this.#row.length === this.#fields) this.#step = "done";
    else this.#expect("length", 4);
  }
}

/**
 * The first row of a binary COPY's whole output (`FirstRowReader`), each
 * field on an ArrayBuffer of its own (so that it can be transferred).
 */
export function firstRow(copy, options) {
  const reader = new FirstRowReader(options);
  reader.push(copy);
  return reader.finish();
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
 * returns its first row, read as it arrives (`FirstRowReader`, whose options
 * it takes). postgres.js hands COPY's data over with no parsing of its own.
 *
 * postgres.js 3.4 pauses its socket when a chunk fills the stream's buffer
 * and resumes it only when the stream asks for more; when the end of the
 * COPY came in the same read as that chunk, nothing asks again, and every
 * later query on the connection waited forever (a row of a few tens of
 * kilobytes did it; https://github.com/porsager/postgres/pull/1016). Once the
 * stream has ended, its read callback, which is the socket's resume, is
 * called once more.
 */
export async function copyOutFirstRow(sql, query, options) {
  const stream = await sql.unsafe(query).readable();
  const reader = new FirstRowReader(options);
  let malformed = null;
  await new Promise((resolve, reject) => {
    stream.on("data", (chunk) => {
      // Read to the end all the same, so that the connection is left between statements.
      if (malformed) return;
      try {
        reader.push(chunk);
      } catch (err) {
        malformed = err;
      }
    });
    stream.once("end", () => {
      stream._read();
      resolve();
    });
    stream.once("error", reject);
  });
  if (malformed) throw malformed;
  return reader.finish();
}
