import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, databaseOnPostgres, clientOf } from "../src/db.ts";
import { FirstRowReader, binaryCopyOf, copyOutFirstRow, firstRow, quoteLiteral } from "../src/sync/binary-copy.mjs";
import { openEmbeddedTestDatabase } from "./support/database.ts";

/** Bytes of every value, so that no text coding on the way could pass unnoticed. */
const bytesOf = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + (i >> 8)) % 256);

describe("binary COPY's format (sync/binary-copy.mjs)", () => {
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
    const out = new Uint8Array(19 + 2 + 3 * 4 + a.byteLength + b.byteLength + 2);
    const view = new DataView(out.buffer);
    out.set(binaryCopyOf(a).subarray(0, 11));
    let at = 19;
    view.setInt16(at, row.length);
    at += 2;
    for (const field of row) {
      view.setInt32(at, field ? field.byteLength : -1);
      at += 4;
      if (field) out.set(field, at);
      at += field?.byteLength ?? 0;
    }
    view.setInt16(at, -1);
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

const databases: Array<[string, () => Promise<Database>]> = [["PGlite", () => openEmbeddedTestDatabase()]];
const url = inject("databaseUrl");
// One connection, as the embedded database has: a query after the COPY must run on the very connection it used.
if (url) databases.push(["Postgres", async () => databaseOnPostgres(url, { max: 1 })]);

describe.each(databases)("binary COPY out of %s", (_name, open) => {
  let database: Database;
  beforeAll(async () => void (database = await open()), 120_000);
  afterAll(() => database?.close());

  // Sizes around the stream's 16 KiB buffer and the socket's reads, where postgres.js once left its socket
  // paused after the COPY (binary-copy.mjs, copyOutFirstRow) and the next query never came back.
  it.each([0, 1, 16_000, 20_000, 40_000, 70_000, 300_000, 3_000_000])("returns %i bytes unchanged, and the connection answers after", async (length) => {
    const bytes = bytesOf(length);
    const pool = clientOf(database.db);
    const row = await copyOutFirstRow(
      pool,
      `copy (select decode(${quoteLiteral(Buffer.from(bytes).toString("base64"))}, 'base64'), null::bytea) to stdout with (format binary)`,
    );
    expect(row).toHaveLength(2);
    expect(Buffer.from(row![0]!).equals(Buffer.from(bytes))).toBe(true);
    expect(row![1]).toBeNull();
    // Its own buffer, so that it can be transferred to a worker without taking other bytes with it.
    expect(row![0]!.byteOffset).toBe(0);
    expect(row![0]!.buffer.byteLength).toBe(length);
    const [after] = (await database.db.execute(sql`select ${length}::int as n`)) as unknown as Array<{ n: number }>;
    expect(after?.n).toBe(length);
  }, 20_000);

  it("reads inside a transaction on the transaction's own connection", async () => {
    await database.db.transaction(async (tx) => {
      // A temporary table, seen by no other session, not yet committed.
      await tx.execute(sql`create temp table copy_probe (b bytea) on commit drop`);
      await tx.execute(sql`insert into copy_probe values (decode('0102ff', 'hex'))`);
      const row = await copyOutFirstRow(clientOf(tx), "copy (select b from copy_probe) to stdout with (format binary)");
      expect(row?.map((field) => Buffer.from(field!).toString("hex"))).toEqual(["0102ff"]);
    });
  }, 20_000);

  it("returns null for no row, and fails on a query that fails, leaving the connection usable", async () => {
    const pool = clientOf(database.db);
    expect(await copyOutFirstRow(pool, "copy (select 'x'::bytea where false) to stdout with (format binary)")).toBeNull();
    await expect(copyOutFirstRow(pool, "copy (select 1/0) to stdout with (format binary)")).rejects.toThrow(/division by zero/);
    const [after] = (await database.db.execute(sql`select 1 as one`)) as unknown as Array<{ one: number }>;
    expect(after?.one).toBe(1);
  }, 20_000);
});
