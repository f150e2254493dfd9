import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tables from "@marginalia/schema/tables";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Config } from "./config.ts";

type Schema = typeof tables;
/** The common face of both drivers: code above this file never knows which one it has. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../drizzle", import.meta.url));

export type Database = {
  db: Db;
  /** Which database is behind the one driver: "pglite" is the embedded one (embedded/database.ts). */
  kind: "postgres" | "pglite";
  migrate(): Promise<void>;
  close(): Promise<void>;
};

/** `path`: a Unix socket to connect to instead of the URL's host (the embedded database's). */
export function databaseOnPostgres(url: string, options: { max?: number; path?: string } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // postgres.js waits longer and longer between attempts to reconnect (up to 20 s), and queries wait with
    // it: after an outage, writes stayed stuck for 10–16 s after the database was back. At most a second here.
    backoff: (attempt) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** attempt, 1),
    ...(options.path && { path: options.path }),
  });
  const db = drizzlePostgres(sql, { schema: tables });
  return {
    db: db as unknown as Db,
    kind: "postgres",
    migrate: () => migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => sql.end({ timeout: 5 }),
  };
}

export async function openDatabase(target: Config["database"]): Promise<Database> {
  if (target.kind === "postgres") return databaseOnPostgres(target.url);
  mkdirSync(target.dataDir, { recursive: true });
  // Loaded only when used: a server on Postgres never starts the embedded one.
  const { startEmbeddedDatabase } = await import("./embedded/database.ts");
  return startEmbeddedDatabase({ dataDir: target.dataDir });
}

/** Drizzle wraps driver errors; the SQLSTATE sits on the error or its cause. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (e: unknown) => (e as { code?: unknown } | null)?.code;
  return code(err) === "23505" || code((err as { cause?: unknown } | null)?.cause) === "23505";
}
