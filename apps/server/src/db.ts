import { fileURLToPath } from "node:url";
import * as tables from "@marginalia/schema/tables";
import { type ExtractTablesWithRelations, sql as query } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Config } from "./config.ts";
import type { EmbeddedDatabase } from "./embedded/database.ts";
import { usableDataDir } from "./embedded/usable-data-dir.ts";
import { ApiError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { namedStatements } from "./prepared-statements.ts";
import { retryReadsOf } from "./retried-reads.ts";
import type { CompactOptions } from "./sync/persist/yjs-jobs.mjs";

type Schema = typeof tables;
/** The common face of both drivers: code above this file never knows which one it has. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../drizzle", import.meta.url));

/**
 * The session-level advisory lock every process holds while it migrates: "Marg" in ASCII, shown by
 * pg_locks as locktype advisory, classid 0, objid 1298231911. Processes that start together against a
 * fresh or older database otherwise run the same DDL at once, and all but one fail on a duplicate type,
 * table or migration row; with it they take turns, and the later ones find nothing left to do.
 */
export const MIGRATION_LOCK_KEY = 0x4d617267;
/** Held, for its transaction, by a process seeding the demo ("Demo"): two starting at once would both make it. */
export const DEMO_SEED_LOCK_KEY = 0x44656d6f;

export type Database = {
  db: Db;
  /** Which database is behind the one driver: "pglite" is the embedded one (embedded/database.ts). */
  kind: "postgres" | "pglite";
  /** Applies what drizzle/ has that the database lacks; `waiting` is called if another process is at it. */
  migrate(options?: MigrateOptions): Promise<void>;
  close(): Promise<void>;
};

type ConnectOptions = { max?: number; path?: string };

/** Where a database is reached: enough for another thread to open a connection of its own. */
export type DatabaseAddress = { url: string; path?: string };

/**
 * The address behind each Db this file made. Work that must not run on the
 * event loop (compaction, sync/persist/yjs-worker.ts) connects from its own thread
 * with it, and every caller keeps handing around the Db alone.
 */
const addresses = new WeakMap<object, DatabaseAddress>();

export function addressOf(db: Db): DatabaseAddress | undefined {
  return addresses.get(db);
}
/**
 * The postgres.js client under a Db or a transaction, for what Drizzle has
 * no words for: reading a snapshot by binary COPY (sync/persist/binary-copy.mjs).
 * Drizzle's session holds it; a transaction's is the transaction's own
 * connection, so a COPY there sees the transaction's snapshot.
 */
export function clientOf(db: Db | Tx): postgres.Sql {
  const client = (db as unknown as { session?: { client?: postgres.Sql } }).session?.client;
  if (typeof client?.unsafe !== "function") throw new Error("this Db has no postgres.js client under it");
  return client;
}

/** What each open transaction run by `transaction` is to do once it commits. */
const onCommit = new WeakMap<Tx, Array<() => void>>();

/**
 * Runs `fn` once `tx` commits, never if it rolls back: for telling listeners
 * about data only once anyone can read it. Only transactions run by
 * `transaction` below keep these; in any other, `fn` is dropped.
 */
export function afterCommit(tx: Tx, fn: () => void) {
  onCommit.get(tx)?.push(fn);
}

/** `db.transaction`, then what the transaction asked to run after its commit (`afterCommit`), in order. */
export async function transaction<T>(db: Db, body: (tx: Tx) => Promise<T>): Promise<T> {
  let queued: Array<() => void> = [];
  const result = await db.transaction(async (tx: Tx) => {
    // A fresh list per attempt: what a rolled-back body queued is never run.
    queued = [];
    onCommit.set(tx, queued);
    return body(tx);
  });
  for (const fn of queued) fn();
  return result;
}

/** Databases whose pool is one connection (the embedded one): a transaction held open there stops every other query. */
const singleConnection = new WeakSet<object>();

/**
 * How long a request's transaction waits for a row or advisory lock before it gives up with SQLSTATE 55P03,
 * answered 503 with Retry-After (app.ts): every waiting request holds a pool connection, and one that waits
 * holds whatever it locked before (docs/architecture.md, "Lock waits").
 */
export const REQUEST_LOCK_TIMEOUT_MS = 3_000;
/**
 * How long a group commit may wait before the committer says so (sync/persist/persist.ts): a row locked by
 * hand, or by a transaction that hangs, otherwise held every document's commits without a word. The wait
 * itself is not cut: a commit is one statement, one round trip, and the batch would be retried whole anyway.
 */
export const COMMIT_WAIT_WARNING_MS = 5_000;

/** The SQLSTATE of a lock not had within lock_timeout (or NOWAIT). */
export const LOCK_NOT_AVAILABLE = "55P03";

/** Bounds every lock wait of the rest of `tx` to `ms` (lock_timeout, local to the transaction). */
export async function boundLockWaits(tx: Tx, ms = REQUEST_LOCK_TIMEOUT_MS): Promise<void> {
  await tx.execute(query`select set_config('lock_timeout', ${`${Math.round(ms)}ms`}, true)`);
}

/**
 * At most this many of a process's connections sit in `underLock` at once: each holds its connection while
 * its work waits for others (a document's commit), and a pool all of whose connections did would wait forever.
 */
const LOCK_HOLDERS = 2;
const lockSeats = new WeakMap<object, { taken: number; queue: Array<() => void> }>();

/**
 * How long a turn at a lock may take before it is given up. A turn that never settled (a query left
 * waiting on a connection cut under it) held its key, and its seat, for the life of
 * the process: every later decision on that article waited behind it.
 */
export const LOCK_TURN_MS = 30_000;

/** `work`, or an `unavailable` error once `ms` have passed; `work` goes on, and what it does still happens. */
function settleWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError("unavailable", "This took too long and was given up; it may still be saved: read it again before you retry")), ms);
  });
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Runs `fn` holding a transaction-scoped advisory lock on `key`, so that processes sharing the database take
 * turns at it; `fn` queries through `db` as usual (the lock's transaction only holds the lock). On a pool of
 * one connection, `fn` runs as it is: that database serves one process, whose own turns must order the work.
 * A wait for the lock longer than `deadlineMs` fails with 55P03 (503), before `fn` has begun.
 * A turn is given up after `deadlineMs` (LOCK_TURN_MS): its transaction rolls back, which frees the lock and
 * the connection, and the caller gets 503; a turn whose rollback cannot finish either is let go of after
 * twice that, so that the seat, and the key's turns in the caller's KeyedTurns, move on.
 */
export async function underLock<T>(db: Db, key: string, fn: () => Promise<T>, { deadlineMs = LOCK_TURN_MS } = {}): Promise<T> {
  if (singleConnection.has(db)) return settleWithin(fn(), deadlineMs);
  let seats = lockSeats.get(db);
  if (!seats) lockSeats.set(db, (seats = { taken: 0, queue: [] }));
  if (seats.taken >= LOCK_HOLDERS) await new Promise<void>((resolve) => seats.queue.push(resolve));
  else seats.taken++;
  // `fn` works on other connections, so what it does is kept when the lock's transaction fails under it
  // (its connection cut): once begun, `fn`'s own outcome is the answer, not a 503 that would have the
  // caller redo what is done.
  const begun: { work?: Promise<T> } = {};
  try {
    const turn = db.transaction(async (tx) => {
      // The wait for the lock is bounded in the database too: given up only here, it went on waiting on its
      // connection, and once it had the lock ran `fn` for a caller already told 503. The lock's transaction
      // runs nothing else, so the bound reaches no query of `fn`'s.
      await boundLockWaits(tx, deadlineMs);
      await tx.execute(query`select pg_advisory_xact_lock(hashtext(${key}))`);
      begun.work = settleWithin(fn(), deadlineMs);
      return begun.work;
    });
    return await settleWithin(turn, 2 * deadlineMs).catch((err: unknown) => {
      if (begun.work) return begun.work;
      throw err;
    });
  } finally {
    // The seat passes straight to the next in line, if any.
    const next = seats.queue.shift();
    if (next) next();
    else seats.taken--;
  }
}

type MigrateOptions = { waiting?: () => void };

function connect(url: string, options: ConnectOptions) {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // postgres.js waits longer and longer between attempts to reconnect (up to 20 s), and queries wait with
    // it: after an outage, writes stayed stuck for 10–16 s after the database was back. At most a second here.
    backoff: (attempt) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** attempt, 1),
    ...(options.path && { path: options.path }),
  });
}

/**
 * How a document's log is compacted when its database has a way of its own
 * (the embedded one, embedded/compact.ts); otherwise DocStore uses the
 * compaction worker's own connection, from `addressOf`.
 */
export type Compactor = (docName: string, options: CompactOptions) => Promise<number>;
const compactors = new WeakMap<object, Compactor>();

export function compactorOf(db: Db): Compactor | undefined {
  return compactors.get(db);
}

export function setCompactor(db: Db, compactor: Compactor) {
  compactors.set(db, compactor);
}

/** A Database on a Postgres server (openDatabase's other kind is embedded/database.ts's EmbeddedDatabase). */
export type PostgresDatabase = Database & { kind: "postgres" };

/** `path`: a Unix socket to connect to instead of the URL's host (the embedded database's). */
export function databaseOnPostgres(url: string, options: ConnectOptions = {}): PostgresDatabase {
  return postgresConnection(url, options).database;
}

/** The Database and the postgres.js pool behind it, for the embedded database, which reserves its one connection. */
export function postgresConnection(url: string, options: ConnectOptions = {}): { database: PostgresDatabase; sql: postgres.Sql } {
  const sql = connect(url, options);
  const db = drizzlePostgres(namedStatements(sql), { schema: tables });
  retryReadsOf(db);
  // Not the embedded database's (reached by `path`): it serves every connection from one session, where a
  // second connection's statements interleave with the server's (embedded/compaction.mjs).
  if (!options.path) addresses.set(db, { url });
  if (options.max === 1) singleConnection.add(db);
  const database: PostgresDatabase = {
    db: db as unknown as Db,
    kind: "postgres",
    // A session lock must be taken and released on the connection that migrates. A pool of one is that
    // connection already (the embedded database takes no second one); a larger pool lends a client of its own.
    migrate: (migrateOptions = {}) =>
      options.max === 1
        ? migrateLocked(sql, migrateOptions)
        : withClient(connect(url, { ...options, max: 1 }), (client) => migrateLocked(client, migrateOptions)),
    close: () => sql.end({ timeout: 5 }),
  };
  return { database, sql };
}

async function withClient(sql: postgres.Sql, use: (sql: postgres.Sql) => Promise<void>) {
  try {
    await use(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `sql` must hold one connection: the lock belongs to the session that takes it. */
async function migrateLocked(sql: postgres.Sql, { waiting }: MigrateOptions) {
  const [free] = await sql<{ locked: boolean }[]>`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as locked`;
  if (!free?.locked) {
    waiting?.();
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
  }
  try {
    await migratePostgres(drizzlePostgres(sql), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    // A connection lost on the way took its session's lock with it: nothing is left to release then.
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
  }
}

/**
 * The database the configuration names; its `kind` tells which, and the
 * embedded one brings its extras (memory, vacuum). `logger`: where the
 * embedded database says what its vacuuming did.
 */
export async function openDatabase(target: Config["database"], logger?: Logger): Promise<PostgresDatabase | EmbeddedDatabase> {
  if (target.kind === "postgres") return databaseOnPostgres(target.url);
  usableDataDir(target.dataDir);
  // Loaded only when used: a server on Postgres never starts the embedded one.
  const { startEmbeddedDatabase } = await import("./embedded/database.ts");
  return startEmbeddedDatabase({ dataDir: target.dataDir }, { ...(logger && { logger }) });
}

/** Drizzle wraps driver errors; the SQLSTATE sits on the error or its cause. */
export function sqlState(err: unknown): string | undefined {
  const code = (e: unknown) => {
    const c = (e as { code?: unknown } | null)?.code;
    return typeof c === "string" ? c : undefined;
  };
  return code(err) ?? code((err as { cause?: unknown } | null)?.cause);
}

export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === "23505";
