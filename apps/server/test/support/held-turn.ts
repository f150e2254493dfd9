import { sql } from "drizzle-orm";
import type { Db } from "../../src/db.ts";

/**
 * Holds an article's decision turn from outside (services/decision-turns.ts), as another process's decision
 * would: the database's advisory lock, which the server's own work on that article then waits for. `waiting`
 * counts the server's requests waiting in that lock, in this database only (other test runs share the server).
 */
export async function holdDecisionTurn(db: Db, articleId: string) {
  const key = `moderation:${articleId}`;
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let taken = () => {};
  const holding = new Promise<void>((resolve) => (taken = resolve));
  const turn = db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
    taken();
    await gate;
  });
  await Promise.race([holding, turn]);
  const waiting = async () => {
    const rows = (await db.execute(sql`
      select count(*)::int as n from pg_locks
      where locktype = 'advisory' and not granted and objsubid = 1
        and database = (select oid from pg_database where datname = current_database())
        and objid::text::bigint = (hashtext(${key})::bigint & 4294967295)`)) as unknown as Array<{ n: number }>;
    return rows[0]!.n;
  };
  return {
    waiting,
    /** Lets the turn go and resolves once it has. */
    release: async () => {
      release();
      await turn;
    },
  };
}
