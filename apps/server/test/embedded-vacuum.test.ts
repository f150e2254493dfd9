import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedDatabase } from "../src/embedded/database.ts";
import { openEmbeddedTestDatabase } from "./support/database.ts";

/**
 * The embedded database's stand-in for autovacuum (embedded/vacuum.ts): a
 * table that outgrew its last vacuumed size is vacuumed and analyzed, after
 * which its dead rows' space is reused instead of the files growing; tables
 * that did not grow are left alone.
 */
describe("embedded database vacuuming", () => {
  let database: EmbeddedDatabase;
  const logged: Array<{ msg: string; table?: string }> = [];

  beforeAll(async () => {
    const lines = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
        done();
      },
    });
    // Checks every 300 ms once the last test starts the timer again (the first ones call check() themselves,
    // and a pass of the timer's between their writes and their check would leave theirs nothing to do);
    // minBytes 0 so that a small table counts.
    database = await openEmbeddedTestDatabase({ vacuum: { checkMs: 300, ratio: 0.2, minBytes: 0 }, logger: pino(lines) });
    await database.vacuum.stop();
    await database.db.execute(sql`create table vacuum_probe (id int primary key, body text not null)`);
  }, 120_000);
  afterAll(() => database?.close());

  const one = async <T>(query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as unknown as T[])[0]!;
  const probeBytes = async () => Number((await one<{ bytes: number }>(sql`select pg_total_relation_size('vacuum_probe')::float8 as bytes`)).bytes);
  const rewriteEveryRow = (round: number) =>
    database.db.execute(sql`update vacuum_probe set body = repeat(${String(round)}, 200)`);

  it("vacuums and analyzes a table that grew, and leaves the rest alone", async () => {
    await database.vacuum.check(); // every table's baseline, the probe's empty
    await database.db.execute(sql`insert into vacuum_probe select g, repeat('a', 200) from generate_series(1, 3000) g`);
    for (const round of [1, 2]) await rewriteEveryRow(round);
    const vacuumed = await database.vacuum.check();
    const probe = vacuumed.find((v) => v.table === "vacuum_probe");
    expect(probe).toBeDefined();
    expect(probe!.afterBytes).toBeGreaterThan(0);
    // Nothing else was written, so nothing else was vacuumed.
    expect(vacuumed.map((v) => v.table)).toEqual(["vacuum_probe"]);
    // ANALYZE ran: the planner knows the row count (a table never analyzed says -1).
    const stats = await one<{ reltuples: number }>(sql`select reltuples::float8 as reltuples from pg_class where relname = 'vacuum_probe'`);
    expect(Number(stats.reltuples)).toBe(3000);
  });

  it("lets later updates reuse the space of dead rows instead of growing the files", async () => {
    const before = await probeBytes();
    // Two rewrites' worth of dead rows were freed above: one more rewrite fits in them.
    await rewriteEveryRow(3);
    expect(await probeBytes()).toBeLessThanOrEqual(before);
    // Without a vacuum in between, the next rewrites must grow the table: the check above was what freed room.
    await rewriteEveryRow(4);
    await rewriteEveryRow(5);
    expect(await probeBytes()).toBeGreaterThan(before);
  });

  it("checks on its own timer and logs what it vacuumed", async () => {
    logged.length = 0;
    database.vacuum.start();
    await database.db.execute(sql`insert into vacuum_probe select g, repeat('b', 200) from generate_series(3001, 9000) g`);
    await expect.poll(() => logged.find((l) => l.table === "vacuum_probe"), { timeout: 10_000, interval: 100 }).toMatchObject({
      msg: "vacuumed a table of the embedded database",
    });
  });
});
