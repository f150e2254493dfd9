import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, underLock } from "../src/db.ts";
import { openTestDatabase } from "./support/database.ts";

// A turn at `underLock` that never settles (in the field: a query left waiting on a connection cut under
// it) must not hold its key, its seat or its transaction for good: it is given up with 503 at its deadline.

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

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
});
