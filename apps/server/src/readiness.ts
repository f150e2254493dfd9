import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { type Db, MIGRATIONS_FOLDER, sqlState } from "./db.ts";

/**
 * How long the database gets to answer. While it is away the driver does not
 * fail a query at once: it holds it until its next reconnection attempt, and
 * those come further and further apart. A readiness check must not wait with it.
 */
export const READINESS_TIMEOUT_MS = 1_000;

/** What a process needs before it can serve, named in /readyz's 503. */
export type Requirement = "database" | "migrations" | "relay";

let newest: number | undefined;
/** The newest migration this build knows, as drizzle records it (its folder's timestamp). */
const newestMigration = () => (newest ??= Math.max(...readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => m.folderMillis)));

/** What this process lacks to serve requests, in a fixed order; empty when it can. */
export async function unmet(db: Db, relayConnected: boolean): Promise<Requirement[]> {
  const missing: Requirement[] = [];
  const schema = await schemaState(db);
  if (schema !== "current") missing.push(schema);
  if (!relayConnected) missing.push("relay");
  return missing;
}

/**
 * One query tells both whether the database answers and whether it holds this
 * build's schema: one migrated by this process, or by a newer one, is current.
 * A database emptied or restored from an old backup under a running process is not.
 */
async function schemaState(db: Db): Promise<"current" | "database" | "migrations"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the database did not answer in time")), READINESS_TIMEOUT_MS);
  });
  try {
    // The query is not cancelled when it is late; it settles, unobserved, whenever the driver gets to it.
    const rows = (await Promise.race([db.execute(sql`select max(created_at) as newest from drizzle.__drizzle_migrations`), late])) as unknown as Array<{
      newest: string | null;
    }>;
    return Number(rows[0]?.newest ?? 0) >= newestMigration() ? "current" : "migrations";
  } catch (err) {
    // No migrations table (or no schema for it): the database answers, but was never migrated.
    const state = sqlState(err);
    return state === "42P01" || state === "3F000" ? "migrations" : "database";
  } finally {
    clearTimeout(timer);
  }
}
