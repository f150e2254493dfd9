import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, databaseOnPostgres, clientOf } from "../src/db.ts";
import { FirstRowReader, SLICE_BYTES, SliceReader, binaryCopyOf, copyOutSlices, firstRow, quoteLiteral } from "../src/sync/persist/binary-copy.mjs";
import { openEmbeddedTestDatabase } from "./support/database.ts";
import { seeded } from "./support/seed.ts";

/** Bytes of every value, so that no text coding on the way could pass unnoticed. */
const bytesOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + (i >> 8)) % 256);

/** A binary COPY's output with the given rows, each field as bytes or null, then the trailer. */
function copyOutput(rows: Array<Array<Uint8Array | null>>): Uint8Array {
  const size = rows.reduce((n, row) => n + 2 + row.reduce((m, f) => m + 4 + (f?.byteLength ?? 0), 0), 19 + 2);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(binaryCopyOf(new Uint8Array(0)).subarray(0, 19));
  let at = 19;
  for (const row of rows) {
    view.setInt16(at, row.length);
    at += 2;
    for (const field of row) {
      view.setInt32(at, field ? field.byteLength : -1);
      at += 4;
      if (field) out.set(field, at);
      at += field?.byteLength ?? 0;
    }
  }
  view.setInt16(at, -1);
  return out;
}

describe("binary COPY's format (sync/persist/binary-copy.mjs)", () => {
  it("reads back the one-column row it writes, NULLs and an empty output apart", () => {
    const bytes = bytesOf(1000);
    expect(firstRow(binaryCopyOf(bytes))).toEqual([bytes]);
    expect(firstRow(binaryCopyOf(new Uint8Array(0)))).toEqual([new Uint8Array(0)]);
    const noRows = binaryCopyOf(new Uint8Array(0)).slice(0, 19 + 2);
    new DataView(noRows.buffer).setInt16(19, -1);
    expect(firstRow(noRows)).toBeNull();
  });

  it("refuses bytes that are not a binary COPY, or a field that runs past the end", () => {
    expect(() => firstRow(new TextEncoder().encode("id,state\n1,abc\n"))).toThrow(/not the output of a binary COPY/);
    const cut = binaryCopyOf(bytesOf(100)).slice(0, 19 + 6 + 50);
    expect(() => firstRow(cut)).toThrow(/runs past its end/);
  });

  it("reads a row however its bytes are cut into chunks, each field copied into a buffer of its own", () => {
    // Two fields and a NULL, as `copy (select state, state_hash, null) …` writes them, then the trailer.
    const [a, b] = [bytesOf(300), bytesOf(32)];
    const row = [a, null, b];
    const out = copyOutput([row]);
    for (const size of [1, 2, 3, 5, 7, 19, 64, out.byteLength]) {
      const reader = new FirstRowReader();
      for (let i = 0; i < out.byteLength; i += size) reader.push(out.subarray(i, i + size));
      const read = reader.finish()!;
      expect(read, `chunks of ${size}`).toEqual(row);
      expect(read[0]!.buffer).not.toBe(out.buffer);
      expect(read[0]!.byteLength).toBe(read[0]!.buffer.byteLength);
    }
  });

  it("skips a header extension, however long", () => {
    const bytes = bytesOf(50);
    const plain = binaryCopyOf(bytes);
    const extended = new Uint8Array(plain.byteLength + 40);
    extended.set(plain.subarray(0, 19));
    new DataView(extended.buffer).setInt32(15, 40);
    extended.set(plain.subarray(19), 19 + 40);
    const reader = new FirstRowReader();
    for (let i = 0; i < extended.byteLength; i += 7) reader.push(extended.subarray(i, i + 7));
    expect(reader.finish()).toEqual([bytes]);
  });

  it("leaves the headroom asked for before each field, on shared memory when asked", () => {
    const bytes = bytesOf(100);
    const [field] = firstRow(binaryCopyOf(bytes), { headroom: 7, shared: true })!;
    expect(field).toEqual(bytes);
    expect(field!.byteOffset).toBe(7);
    expect(field!.buffer.byteLength).toBe(107);
    expect(field!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(firstRow(binaryCopyOf(bytes))![0]!.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it("quotes a literal so that a quote in it cannot end it", () => {
    expect(quoteLiteral("article:1'; drop table x; --")).toBe("'article:1''; drop table x; --'");
  });
});

const int4 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
};

/** What `slicesQuery` makes Postgres write for `bytes` cut into `slice`-byte rows, in the order given by `order`. */
function slicedOutput(bytes: Uint8Array, extras: Array<Uint8Array | null>, slice: number, order: (indexes: number[]) => number[] = (x) => x) {
  const count = Math.max(1, Math.ceil(bytes.byteLength / slice));
  const indexes = order(Array.from({ length: count }, (_, i) => i));
  return copyOutput(indexes.map((i) => [int4(bytes.byteLength), ...extras, int4(i), bytes.subarray(i * slice, (i + 1) * slice)]));
}

describe("a large value read in slices (binary-copy.mjs, SliceReader)", () => {
  const read = (out: Uint8Array, slice: number, chunk = out.byteLength, options = {}, extras = 0) => {
    const reader = new SliceReader(options, extras, slice);
    for (let i = 0; i < out.byteLength; i += chunk) reader.push(out.subarray(i, i + chunk));
    return reader.finish();
  };

  it("puts the slices back in place, in whatever order and chunks they come", () => {
    const rng = seeded("binary-copy slices");
    const bytes = bytesOf(1000);
    const extras = [bytesOf(32), null, bytesOf(5)];
    for (let round = 0; round < 20; round++) {
      const order = (xs: number[]) => xs.map((x) => [rng.next(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
      const out = slicedOutput(bytes, extras, 64, order);
      const chunk = 1 + Math.floor(rng.next() * 300);
      const value = read(out, 64, chunk, {}, extras.length);
      expect(value?.bytes, `seed ${rng.seed}, round ${round}, chunks of ${chunk}`).toEqual(bytes);
      expect(value?.extras).toEqual(extras);
    }
  });

  it("hashes the value as its slices arrive in order, and leaves the hash to the caller when they do not", () => {
    const bytes = bytesOf(1000);
    const digest = new Uint8Array(createHash("sha256").update(bytes).digest());
    expect(read(slicedOutput(bytes, [], 64), 64, 100, { sha256: true })?.digest).toEqual(digest);
    expect(read(slicedOutput(new Uint8Array(0), [], 64), 64, 100, { sha256: true })?.digest).toEqual(new Uint8Array(createHash("sha256").digest()));
    const swapped = read(slicedOutput(bytes, [], 64, (xs) => [xs[1]!, xs[0]!, ...xs.slice(2)]), 64, 100, { sha256: true });
    expect(swapped?.bytes).toEqual(bytes);
    expect(swapped?.digest).toBeNull();
    expect(read(slicedOutput(bytes, [], 64), 64)?.digest).toBeNull();
  });

  it("gives an empty value one empty slice, and no value for no rows", () => {
    expect(read(slicedOutput(new Uint8Array(0), [], 64), 64)).toEqual({ bytes: new Uint8Array(0), extras: [], digest: null });
    expect(read(copyOutput([]), 64)).toBeNull();
  });

  it("leaves the headroom asked for before the value, on shared memory when asked", () => {
    const bytes = bytesOf(200);
    const value = read(slicedOutput(bytes, [], 64), 64, 50, { headroom: 9, shared: true });
    expect(value?.bytes).toEqual(bytes);
    expect(value?.bytes.byteOffset).toBe(9);
    expect(value?.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("refuses a slice missing, repeated, out of range or of the wrong length", () => {
    const bytes = bytesOf(200);
    expect(() => read(slicedOutput(bytes, [], 64, (xs) => xs.slice(1)), 64)).toThrow(/3 of its 4 slices/);
    expect(() => read(slicedOutput(bytes, [], 64, (xs) => [...xs, 0]), 64)).toThrow(/out of place/);
    expect(() => read(slicedOutput(bytes, [], 64, (xs) => xs.map((x) => x + 1)), 64)).toThrow(/out of place|wrong length/);
    // The reader expects smaller slices than the output has, or fewer small values.
    expect(() => read(slicedOutput(bytes, [], 64), 32)).toThrow(/wrong length/);
    expect(() => read(slicedOutput(bytes, [bytesOf(4)], 64), 64)).toThrow(/not a sliced COPY's row|out of place/);
    const disagreeing = copyOutput([
      [int4(200), int4(0), bytes.subarray(0, 64)],
      [int4(199), int4(1), bytes.subarray(64, 128)],
    ]);
    expect(() => read(disagreeing, 64)).toThrow(/disagree/);
  });
});

const databases: Array<[string, () => Promise<Database>]> = [["PGlite", () => openEmbeddedTestDatabase()]];
const url = inject("databaseUrl");
// One connection, as the embedded database has: a query after the COPY must run on the very connection it used.
if (url) databases.push(["Postgres", async () => databaseOnPostgres(url, { max: 1 })]);

describe.each(databases)("binary COPY out of %s", (_name, open) => {
  let database: Database;
  beforeAll(async () => void (database = await open()), 120_000);
  afterAll(() => database?.close());

  // Sizes around the stream's 16 KiB buffer and the socket's reads, where postgres.js once left its socket
  // paused after the COPY (binary-copy.mjs, copyOut) and the next query never came back.
  it.each([0, 1, 16_000, 20_000, 40_000, 70_000, 300_000, 3_000_000])("returns %i bytes unchanged, and the connection answers after", async (length) => {
    const bytes = bytesOf(length);
    const pool = clientOf(database.db);
    const value = await copyOutSlices(pool, `select decode(${quoteLiteral(Buffer.from(bytes).toString("base64"))}, 'base64'), null::bytea`, 1);
    expect(Buffer.from(value!.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(value?.extras).toEqual([null]);
    // Its own buffer, so that it can be transferred to a worker without taking other bytes with it.
    expect(value!.bytes.byteOffset).toBe(0);
    expect(value!.bytes.buffer.byteLength).toBe(length);
    const [after] = (await database.db.execute(sql`select ${length}::int as n`)) as unknown as Array<{ n: number }>;
    expect(after?.n).toBe(length);
  }, 20_000);

  it("reads inside a transaction on the transaction's own connection", async () => {
    await database.db.transaction(async (tx) => {
      // A temporary table, seen by no other session, not yet committed.
      await tx.execute(sql`create temp table copy_probe (b bytea) on commit drop`);
      await tx.execute(sql`insert into copy_probe values (decode('0102ff', 'hex'))`);
      const value = await copyOutSlices(clientOf(tx), "select b from copy_probe", 0);
      expect(Buffer.from(value!.bytes).toString("hex")).toEqual("0102ff");
    });
  }, 20_000);

  it.each([0, 1, SLICE_BYTES, SLICE_BYTES + 1, 3 * SLICE_BYTES + 12_345])("reads %i bytes back in slices, with the values read beside them", async (length) => {
    const bytes = bytesOf(length);
    const value = await copyOutSlices(
      clientOf(database.db),
      `select decode(${quoteLiteral(Buffer.from(bytes).toString("base64"))}, 'base64') as state, '\\x0102'::bytea, null::bytea`,
      2,
      { headroom: 5, shared: true },
    );
    expect(value?.bytes.byteLength).toBe(length);
    expect(Buffer.from(value!.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(value?.bytes.byteOffset).toBe(5);
    expect(value?.extras.map((x) => x && Buffer.from(x).toString("hex"))).toEqual(["0102", null]);
    expect(await copyOutSlices(clientOf(database.db), "select 'x'::bytea where false", 0)).toBeNull();
  }, 20_000);

  // Both pools here have one connection, as the embedded database's has: postgres.js sent a query made
  // while a COPY was arriving to that connection, where it failed at once (COPY_IN_PROGRESS).
  it("lets queries made while a COPY arrives wait for it, on a pool of one connection", async () => {
    const pool = clientOf(database.db);
    const value = bytesOf(4_000_000);
    await pool`create temp table if not exists copy_while (b bytea)`;
    await pool`insert into copy_while values (${Buffer.from(value)})`;
    // A query made a few milliseconds into each COPY, at one delay after another, so that some are made
    // while its rows are arriving.
    for (let delay = 0; delay < 30; delay += 2) {
      const copying = copyOutSlices(pool, "select b from copy_while", 0);
      await new Promise((resolve) => setTimeout(resolve, delay));
      const [asked] = await pool`select ${delay}::int as n`;
      expect(asked?.n, `a query ${delay} ms into a COPY`).toBe(delay);
      expect((await copying)?.bytes.byteLength).toBe(value.byteLength);
    }
  }, 60_000);

  it("returns null for no row, and fails on a query that fails, leaving the connection usable", async () => {
    const pool = clientOf(database.db);
    expect(await copyOutSlices(pool, "select 'x'::bytea where false", 0)).toBeNull();
    await expect(copyOutSlices(pool, "select (1/0)::text::bytea", 0)).rejects.toThrow(/division by zero/);
    const [after] = (await database.db.execute(sql`select 1 as one`)) as unknown as Array<{ one: number }>;
    expect(after?.one).toBe(1);
  }, 20_000);
});
