import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedDatabase } from "../src/embedded/database.ts";
import { SESSION_SETTINGS, SHARED_BUFFERS } from "../src/embedded/wasm.mjs";
import { createMetrics } from "../src/metrics.ts";
import { openEmbeddedTestDatabase } from "./support/database.ts";

/**
 * The embedded Postgres starts with our shared buffer pool, not the 128 MB
 * that PGlite compiles into its start arguments (embedded/wasm.mjs): a PGlite
 * upgrade that moves that argument fails here rather than quietly bringing
 * the memory back.
 */
describe("embedded database memory", () => {
  let database: EmbeddedDatabase;
  const warnings: string[] = [];

  beforeAll(async () => {
    const lines = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) warnings.push(JSON.parse(line).msg);
        done();
      },
    });
    database = await openEmbeddedTestDatabase({ logger: pino({ level: "warn" }, lines) });
  }, 120_000);
  afterAll(() => database?.close());

  it("runs Postgres with the smaller shared buffer pool, and says nothing about it", async () => {
    const [row] = (await database.db.execute(sql`show shared_buffers`)) as unknown as Array<{ shared_buffers: string }>;
    expect(SHARED_BUFFERS).not.toBe("128MB");
    expect(row?.shared_buffers).toBe(SHARED_BUFFERS);
    expect(warnings).toEqual([]);
  });

  it("bounds what a vacuum and ANALYZE take from its WebAssembly memory, on the server's own connection", async () => {
    for (const [name, value] of Object.entries(SESSION_SETTINGS)) {
      const [row] = (await database.db.execute(sql.raw(`show ${name}`))) as unknown as Array<Record<string, string>>;
      expect(row?.[name]).toBe(value);
    }
    // 30,000 rows of 1 KB. At Postgres's defaults ANALYZE samples all of them and the vacuum before it sets
    // memory aside for dead rows by the table's size; what they take stays with the thread for good.
    await database.db.execute(sql`create table sample_probe as select g as id, repeat(md5(g::text), 32) as body from generate_series(1, 30000) g`);
    const before = (await database.memory()).wasmBytes ?? 0;
    await database.db.execute(sql`vacuum (analyze) sample_probe`);
    const after = (await database.memory()).wasmBytes ?? 0;
    expect(before).toBeGreaterThan(0);
    // At the defaults this table took it to 140 MB; with the session's settings, the 59–68 MB a new
    // database starts with (59 when it opens files a first start initialized) needs a step or two of a fifth.
    expect(after).toBeLessThanOrEqual(90 * 1048576);
    await database.db.execute(sql`drop table sample_probe`);
  }, 60_000);

  it("keeps no copy of what it answered over the socket", async () => {
    const before = await database.memory();
    // 150 MB of answers, 1 MB each. PGlite's socket path used to keep every one of them on the database's thread.
    for (let i = 0; i < 150; i++) {
      const [row] = (await database.db.execute(sql`select repeat(${String(i % 10)}, 1048576) as body`)) as unknown as Array<{ body: string }>;
      expect(row?.body.length).toBe(1_048_576);
    }
    const after = await database.memory();
    expect(after.heapBytes - before.heapBytes).toBeLessThan(60 * 1048576);
    expect(after.wasmBytes).toBeGreaterThan(0);
  }, 120_000);

  it("reports its thread's memory on /metrics", async () => {
    const metrics = createMetrics();
    metrics.watchDatabaseThread(database.memory);
    const text = await metrics.registry.metrics();
    const value = (part: string) => Number(new RegExp(`^marginalia_database_thread_memory_bytes\\{part="${part}"\\} (\\d+)$`, "m").exec(text)?.[1]);
    // The pool alone is 32 MB of WebAssembly memory; a heap in use is never larger than its pages.
    expect(value("wasm")).toBeGreaterThan(32 * 1048576);
    expect(value("heap_used")).toBeGreaterThan(0);
    expect(value("heap")).toBeGreaterThanOrEqual(value("heap_used"));
  });

  it("still answers queries that need more memory than the pool holds", async () => {
    // 40 MB of rows through a 32 MB pool: pages leave the pool for the data directory and come back.
    await database.db.execute(sql`create table pool_probe as select g as id, repeat(md5(g::text), 32) as body from generate_series(1, 40000) g`);
    const [row] = (await database.db.execute(sql`select count(*)::int as n, sum(length(body))::int8 as bytes from pool_probe`)) as unknown as Array<{ n: number; bytes: string }>;
    expect(row?.n).toBe(40_000);
    expect(Number(row?.bytes)).toBe(40_000 * 1024);
    await database.db.execute(sql`drop table pool_probe`);
  }, 60_000);
});
