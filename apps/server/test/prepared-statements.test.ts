import { eq, sql as query } from "drizzle-orm";
import { users } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Tx } from "../src/db.ts";
import { openTestDatabase } from "./support/database.ts";

/**
 * Drizzle's queries reach the database as named statements, prepared once per
 * connection (prepared-statements.ts): an unnamed one with parameters costs
 * postgres.js a round trip to have it described before every run.
 */
describe("queries through Drizzle", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  /** The session's prepared statements that read `users` by email, and how often each ran. */
  const preparedLookups = async (tx: Tx) =>
    (await tx.execute(query`select statement from pg_prepared_statements where statement like '%"users"."email" = $1%'`)) as unknown as unknown[];

  it("are prepared once on their connection and reused, in a transaction too", async () => {
    const counts = await database.db.transaction(async (tx) => {
      const lookup = (email: string) => tx.select({ id: users.id }).from(users).where(eq(users.email, email));
      expect(await lookup("nobody@example.org")).toEqual([]);
      const once = (await preparedLookups(tx)).length;
      expect(await lookup("nobody-else@example.org")).toEqual([]);
      return [once, (await preparedLookups(tx)).length];
    });
    expect(counts).toEqual([1, 1]);
  });

  it("keep their parameters' types from the first description", async () => {
    const run = async (n: number, t: string) =>
      ((await database.db.execute(query`select ${n}::int + 1 as n, ${t}::text as t`)) as unknown as unknown[])[0];
    const [row, again] = [await run(41, "é"), await run(1, "ü")];
    expect([row, again]).toEqual([{ n: 42, t: "é" }, { n: 2, t: "ü" }]);
  });
});
