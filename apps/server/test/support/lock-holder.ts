import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { type TestApp, createTestApp } from "./app.ts";

/**
 * A test app on the shared Postgres at `url`, and a second connection that stands for whoever holds a lock
 * meanwhile (an import holding a row shared, a row or table locked by hand): registers its own beforeAll
 * and afterAll, as liveServer does.
 */
export function lockHolder(url: string) {
  let t: TestApp | null = null;
  let sql: postgres.Sql | null = null;
  beforeAll(async () => {
    t = await createTestApp();
    sql = postgres(url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await t?.close();
  });
  return {
    get t(): TestApp {
      return t!;
    },
    /** The holder's own connection, for reading what the app wrote or who waits. */
    get sql(): postgres.Sql {
      return sql!;
    },
    /** A transaction on a connection of its own, holding what `lock` takes until the returned function is called. */
    async holding(lock: (sql: postgres.ReservedSql) => Promise<unknown>): Promise<() => Promise<void>> {
      const connection = await sql!.reserve();
      await connection`begin`;
      await lock(connection);
      return async () => {
        await connection`rollback`;
        connection.release();
      };
    },
  };
}
