import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedDatabase, startEmbeddedDatabase } from "../src/embedded/database.ts";

/**
 * The embedded database flushes its commits to disk, as Postgres does, where
 * PGlite on its own only hands them to the kernel's cache (embedded/flush.mjs):
 * a PGlite upgrade that changes how it instantiates its module or reaches its
 * files fails here rather than quietly giving the durability back.
 */
describe("embedded database durability", () => {
  let dataDir: string;
  let database: EmbeddedDatabase;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "marginalia-durable-"));
    database = await startEmbeddedDatabase({ dataDir });
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("flushes the log to disk at every commit, and the files at a checkpoint", async () => {
    await database.db.execute(sql`create table durable_probe (n int)`);
    const before = await database.flushes();
    for (let n = 0; n < 5; n++) await database.db.execute(sql`insert into durable_probe values (${n})`);
    const after = await database.flushes();
    expect(after.fdatasync - before.fdatasync).toBeGreaterThanOrEqual(5);
    await database.db.execute(sql`checkpoint`);
    expect((await database.flushes()).fsync).toBeGreaterThan(after.fsync);
  });
});
