import { sql } from "drizzle-orm";
import type { Db, Tx } from "../../src/db.ts";

/**
 * Runs `take` (taking a lock) in a transaction of its own and keeps that transaction open, and so the lock
 * held, until `release`; `taken` is what `take` returned.
 */
export async function holdTransaction<T>(db: Db, take: (tx: Tx) => Promise<T>) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let taken!: (value: T) => void;
  const holding = new Promise<T>((resolve) => (taken = resolve));
  const held = db.transaction(async (tx) => {
    taken(await take(tx));
    await gate;
  });
  const value = await Promise.race([holding, held.then(() => undefined as never)]);
  return {
    taken: value,
    /** Lets the transaction go and resolves once it has. */
    release: async () => {
      release();
      await held;
    },
  };
}

/**
 * Holds an article's decision turn from outside (services/decision-turns.ts), as another process's decision
 * would: the database's advisory lock, which the server's own work on that article then waits for. `waiting`
 * counts the server's requests waiting in that lock (`turnWaiters`).
 */
export async function holdDecisionTurn(db: Db, articleId: string) {
  const { release } = await holdTransaction(db, (tx) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`moderation:${articleId}`}))`));
  return { waiting: () => turnWaiters(db, articleId), release };
}

/** How many wait for the article's decision turn in the database, in this database only (other test runs share the server). */
export async function turnWaiters(db: Db, articleId: string): Promise<number> {
  const rows = (await db.execute(sql`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and not granted and objsubid = 1
      and database = (select oid from pg_database where datname = current_database())
      and objid::text::bigint = (hashtext(${`moderation:${articleId}`})::bigint & 4294967295)`)) as unknown as Array<{ n: number }>;
  return rows[0]!.n;
}

/**
 * Holds an annotation's row against updates until `release` (not against the key-share locks of rows that
 * refer to it, which a request waits for only briefly): a group commit writing it waits. `blocked` counts what
 * waits for it.
 */
export async function holdAnnotationRow(db: Db, id: string) {
  const { taken: holder, release } = await holdTransaction(db, async (tx) => {
    const rows = (await tx.execute(sql`select pg_backend_pid() as pid from annotations where id = ${id} for no key update`)) as unknown as Array<{ pid: number }>;
    return rows[0]!.pid;
  });
  const blocked = async () => {
    const rows = (await db.execute(sql`select count(*)::int as n from pg_stat_activity where ${holder} = any(pg_blocking_pids(pid))`)) as unknown as Array<{ n: number }>;
    return rows[0]!.n;
  };
  return { blocked, release };
}
