import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, underLock } from "../src/db.ts";
import { openTestDatabase } from "./support/database.ts";

// A turn at `underLock` that never settles (in the field: a query left waiting on a connection cut under
// it) must not hold its key, its seat or its transaction for good: it is given up with 503 at its deadline.

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

/** The embedded database serves one process on one connection, where a turn holds no lock of the database's. */
const url = inject("databaseUrl");
const onPostgres = !!url;
const never = () => new Promise<never>(() => {});
/** Whether another session could take the lock on `key` now (taken and let go in one statement). */
const lockFree = async (key: string) => {
  const rows = (await database.db.execute(sql`select pg_try_advisory_xact_lock(hashtext(${key})) as free`)) as unknown as Array<{ free: boolean }>;
  return rows[0]!.free;
};

describe("turns at a lock", () => {
  it("gives up turns that never settle, and the next turns on their keys run", async () => {
    const db = database.db;
    // More stuck turns than a process has seats for the lock, on two keys.
    const stuck = ["a", "b", "a"].map((key) => underLock(db, `stuck-test:${key}`, never, { deadlineMs: 300 }));
    // Each is watched from the start: they are given up at different moments, and one given up while an
    // earlier one was awaited would otherwise be a rejection nobody handled yet.
    await Promise.all(stuck.map((turn) => expect(turn).rejects.toMatchObject({ code: "unavailable", status: 503 })));
    expect(await underLock(db, "stuck-test:a", async () => "next", { deadlineMs: 300 })).toBe("next");
    expect(await underLock(db, "stuck-test:b", async () => "next", { deadlineMs: 300 })).toBe("next");
  });

  it("rolls a given-up turn back, so that its lock is free for other processes", async () => {
    await expect(underLock(database.db, "stuck-test:c", never, { deadlineMs: 300 })).rejects.toMatchObject({ code: "unavailable" });
    await expect.poll(() => lockFree("stuck-test:c"), { timeout: 5_000 }).toBe(true);
  });

  // The lock's transaction only holds the lock; the turn's work runs on other connections and is kept when
  // that transaction then fails. Answering 503 for it told a client to retry what was already done.
  it.runIf(onPostgres)("answers with a turn's own result when the lock's connection is cut under it", async () => {
    const db = database.db;
    const done = await underLock(db, "cut-test:d", async () => {
      const holders = (await db.execute(
        sql`select pid from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid() and database = (select oid from pg_database where datname = current_database())`,
      )) as unknown as Array<{ pid: number }>;
      expect(holders).toHaveLength(1);
      await db.execute(sql`select pg_terminate_backend(${holders[0]!.pid})`);
      await expect
        .poll(async () => ((await db.execute(sql`select count(*)::int as n from pg_stat_activity where pid = ${holders[0]!.pid}`)) as unknown as Array<{ n: number }>)[0]!.n, { timeout: 5_000 })
        .toBe(0);
      return "done";
    });
    expect(done).toBe("done");
    expect(await lockFree("cut-test:d")).toBe(true);
  });

  // Given up only in JavaScript, the wait went on in the database, and once the holder let go the turn's
  // work ran for a caller already answered 503 (docs/architecture.md, "Lock waits").
  it.runIf(onPostgres)("gives up a wait for a lock another session holds at its deadline, and never runs that turn's work", async () => {
    const holder = postgres(url!, { max: 1, onnotice: () => {} });
    const connection = await holder.reserve();
    let ran = false;
    try {
      await connection`begin`;
      await connection`select pg_advisory_xact_lock(hashtext(${"held-test:e"}))`;
      const waiting = underLock(database.db, "held-test:e", async () => void (ran = true), { deadlineMs: 300 });
      await expect(waiting).rejects.toMatchObject({ cause: { code: "55P03" } });
    } finally {
      await connection`rollback`;
      connection.release();
      await holder.end({ timeout: 5 });
    }
    // The next turn on the key comes after any that was still waiting for it.
    expect(await underLock(database.db, "held-test:e", async () => "next", { deadlineMs: 300 })).toBe("next");
    expect(ran).toBe(false);
  });
});
