import { inject } from "vitest";
import { type Database, databaseOnPostgres } from "../../src/db.ts";
import { startEmbeddedDatabase } from "../../src/embedded/database.ts";

/**
 * The test database for one test file: a connection to the shared, migrated
 * Postgres, or a private embedded database (PGlite on its own thread, as the
 * server runs it) cloned from the migrated template.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = inject("databaseUrl");
  if (url) return databaseOnPostgres(url, { max: 4 });
  const template = inject("pgliteTemplate");
  if (!template) throw new Error("global setup did not prepare a database");
  return startEmbeddedDatabase({ template });
}
