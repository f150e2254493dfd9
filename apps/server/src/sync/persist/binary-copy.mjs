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

import { createHash } from "node:crypto";

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
 * Parses a binary COPY's output as it arrives, row after row. Each field is
 * copied once, from the chunks straight into the array its sink gives for it
 * (`sink.field(row so far, length)`), sized from the length the field starts
 * with: gathering the chunks and then slicing a field out cost two copies of a
 * snapshot on the event loop, the second all at once after the last chunk
 * (35 ms for 10 MB on a busy host). `sink.row(fields)` takes each finished
 * row and says whether to read on; what comes after the last row wanted is
 * not parsed.
 */
class CopyParser {
  #sink;
  /** What the next bytes are: "header", "extension", "count", "length", "field" or "done". */
  #step = "header";
  /** A fixed-size part (header, count, length) gathered across chunks. */
  #part = new Uint8Array(HEADER_BYTES);
  #want = HEADER_BYTES;
  #have = 0;
  #fields = 0;
  #row = [];
  #field = null;
  #filled = 0;

  constructor(sink) {
    this.#sink = sink;
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

  /** Throws unless the output ended where a row may (or the sink stopped it). */
  finish() {
    if (this.#step === "header") throw new Error("not the output of a binary COPY");
    if (this.#step !== "done") throw new Error(this.#step === "field" ? "a binary COPY's field runs past its end" : "a binary COPY ended early");
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
      // -1 is the trailer, after the last row.
      this.#fields = view.getInt16(0);
      if (this.#fields < 0) this.#step = "done";
      else if (this.#fields === 0) this.#rowDone();
      else this.#expect("length", 4);
    } else {
      const length = view.getInt32(0);
      if (length < 0) return this.#fieldDone(null);
      this.#field = this.#sink.field(this.#row, length);
      if (this.#field.byteLength !== length) throw new Error("a binary COPY's field was given a buffer of the wrong size");
      this.#filled = 0;
      if (length === 0) this.#fieldDone(this.#field);
      else this.#step = "field";
    }
  }

  #fieldDone(field) {
    this.#row.push(field);
    this.#field = null;
    if (this.#row.length === this.#fields) this.#rowDone();
    else this.#expect("length", 4);
  }

  #rowDone() {
    const row = this.#row;
    this.#row = [];
    if (this.#sink.row(row)) this.#expect("count", 2);
    else this.#step = "done";
  }
}

/**
 * A field of `length` bytes on memory of its own, `headroom` free bytes before
 * it, on a SharedArrayBuffer when `shared`.
 */
function fieldBuffer(length, { headroom = 0, shared = false }) {
  const Memory = shared ? SharedArrayBuffer : ArrayBuffer;
  return new Uint8Array(new Memory(headroom + length), headroom, length);
}

/**
 * Reads a binary COPY's output as it arrives and keeps its first row.
 *
 * Options: `headroom`, free bytes before each field in its buffer, for a
 * caller that frames the bytes in place (messages.ts, `syncStep2Message`);
 * `shared`, fields on a SharedArrayBuffer, which a worker thread reads where
 * it is instead of being sent a copy (sync/persist/yjs-worker.ts).
 */
export class FirstRowReader {
  #parser;
  /** The first row; null while none has come (and so if the COPY had none). */
  #row = null;

  constructor(options = {}) {
    this.#parser = new CopyParser({
      field: (_row, length) => fieldBuffer(length, options),
      row: (row) => {
        this.#row = row;
        return false;
      },
    });
  }

  push(chunk) {
    this.#parser.push(chunk);
  }

  /** The row: each field's bytes, or null for NULL; null when the COPY wrote no row. Throws when the output ended early. */
  finish() {
    this.#parser.finish();
    return this.#row;
  }
}

/**
 * Bytes per row when one large value is read in slices (`copyOutSlices`).
 * Postgres builds each row of a COPY whole in its own memory, and postgres.js
 * gathers each row's message whole before handing it on: a 10 MB snapshot in
 * one row cost a fresh backend two 10 MB allocations and the event loop a
 * 10 MB copy of fresh memory, 30–150 ms a cold load (docs/architecture.md,
 * "Persistence and the commit"). A slice of an uncompressed (EXTERNAL) value
 * reads only its own TOAST chunks.
 */
export const SLICE_BYTES = 256 * 1024;

/**
 * The COPY that reads `source`'s first row in slices. `source` is a query
 * whose first column is the large value and whose `extras` other columns are
 * small values read with it. Each output row repeats the value's length and
 * the small values, then gives a slice's index and its bytes.
 */
export function slicesQuery(source, extras = 0, sliceBytes = SLICE_BYTES) {
  const small = Array.from({ length: extras }, (_, i) => `x${i}`);
  return `copy (
    select octet_length(s.bytes), ${small.map((x) => `s.${x}, `).join("")}i, substring(s.bytes from 1 + i * ${sliceBytes} for ${sliceBytes})
    from (${source} limit 1) as s(${["bytes", ...small].join(", ")}),
      lateral generate_series(0, greatest(octet_length(s.bytes) - 1, 0) / ${sliceBytes}) i
  ) to stdout with (format binary)`;
}

/**
 * Gathers `slicesQuery`'s rows into the value they cut up: each slice goes
 * straight to its place in one array, which is sized (with `headroom` before
 * it, on shared memory when `shared`) from the first row. The slices may come
 * in any order; each must come once, whole.
 *
 * `sha256`: the value's SHA-256 is taken slice by slice as they arrive, in
 * the waits between them, rather than in one pass over the whole value after
 * the last. Slices out of order leave it to the caller (`digest` null).
 */
export class SliceReader {
  #parser;
  #sliceBytes;
  #options;
  /** Where a row's slice index is: after the length and the small values. */
  #indexAt;
  #bytes = null;
  #extras = null;
  #seen = null;
  #count = 0;
  /** The index of the slice read last. */
  #last = -1;
  #hash = null;

  constructor(options = {}, extras = 0, sliceBytes = SLICE_BYTES) {
    this.#options = options;
    this.#indexAt = 1 + extras;
    this.#sliceBytes = sliceBytes;
    if (options.sha256) this.#hash = createHash("sha256");
    this.#parser = new CopyParser({ field: (row, length) => this.#field(row, length), row: (row) => this.#row(row) });
  }

  push(chunk) {
    this.#parser.push(chunk);
  }

  /** The value and the small values read with it, or null when `source` had no row (or its value was NULL). */
  finish() {
    this.#parser.finish();
    if (!this.#bytes) return null;
    const wanted = Math.max(1, Math.ceil(this.#bytes.byteLength / this.#sliceBytes));
    if (this.#count !== wanted) throw new Error(`a sliced COPY gave ${this.#count} of its ${wanted} slices`);
    const digest = this.#hash ? new Uint8Array(this.#hash.digest()) : null;
    return { bytes: this.#bytes, extras: this.#extras, digest };
  }

  #field(row, length) {
    if (row.length <= this.#indexAt) return new Uint8Array(length);
    const start = this.#start(row);
    if (length !== Math.min(this.#sliceBytes, this.#bytes.byteLength - start)) throw new Error("a sliced COPY's slice has the wrong length");
    return this.#bytes.subarray(start, start + length);
  }

  /** Where the row's slice starts, once the fields before it are read; sizes the value at the first row. */
  #start(row) {
    const [length, index] = [row[0], row[this.#indexAt]];
    if (row.length !== this.#indexAt + 1 || length?.byteLength !== 4 || index?.byteLength !== 4) throw new Error("not a sliced COPY's row");
    const total = new DataView(length.buffer).getInt32(0);
    if (!this.#bytes) {
      this.#bytes = fieldBuffer(total, this.#options);
      this.#extras = row.slice(1, this.#indexAt);
      this.#seen = new Uint8Array(Math.max(1, Math.ceil(total / this.#sliceBytes)));
    } else if (total !== this.#bytes.byteLength) throw new Error("a sliced COPY's rows disagree on the value's length");
    const i = new DataView(index.buffer).getInt32(0);
    if (i < 0 || i >= this.#seen.byteLength || this.#seen[i]) throw new Error("a sliced COPY's slice is out of place");
    this.#seen[i] = 1;
    this.#count++;
    this.#last = i;
    return i * this.#sliceBytes;
  }

  #row(row) {
    if (row.length !== this.#indexAt + 2) throw new Error("not a sliced COPY's row");
    // Slices come in order in practice: the one just read is the last counted. One out of order leaves the hash to the caller.
    if (this.#hash && this.#last === this.#count - 1) this.#hash.update(row[this.#indexAt + 1]);
    else this.#hash = null;
    return true;
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
 * Reads one large value in slices, with `extras` small values beside it
 * (`slicesQuery`, `SliceReader`, whose options it takes): `{ bytes, extras }`,
 * or null when `source` has no row.
 */
export function copyOutSlices(sql, source, extras, options) {
  return copyOut(sql, slicesQuery(source, extras), new SliceReader(options, extras));
}

/**
 * Feeds a COPY's output to `reader` as it arrives and returns what the reader
 * finishes with. postgres.js hands COPY's data over with no parsing of its own.
 *
 * On a pool the COPY runs in a read-only transaction of its own. postgres.js
 * sends a query to a busy connection when none is idle, and a query sent to
 * one that is streaming a COPY out fails at once (COPY_IN_PROGRESS): on the
 * embedded database, whose pool is one connection, any query made while a
 * snapshot was arriving. A transaction keeps other queries off its connection,
 * and postgres.js gives the connection back whole however the COPY ends. A
 * transaction's own client is the caller's to keep to one statement at a time.
 *
 * postgres.js 3.4 pauses its socket when a chunk fills the stream's buffer
 * and resumes it only when the stream asks for more; when the end of the
 * COPY came in the same read as that chunk, nothing asks again, and every
 * later query on the connection waited forever (a row of a few tens of
 * kilobytes did it: a fault of postgres.js's COPY stream, not of how it is used here). Once the
 * stream has ended, its read callback, which is the socket's resume, is
 * called once more.
 */
function copyOut(sql, query, reader) {
  return typeof sql.begin === "function" ? sql.begin("read only", (tx) => streamCopy(tx, query, reader)) : streamCopy(sql, query, reader);
}

async function streamCopy(sql, query, reader) {
  const stream = await sql.unsafe(query).readable();
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
