import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { inject } from "vitest";
import { type Database, databaseOnPglite, databaseOnPostgres } from "../../src/db.ts";

/**
 * The test database for one test file: a connection to the shared, migrated
 * Postgres, or a private PGlite cloned from the migrated template.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = inject("databaseUrl");
  if (url) return databaseOnPostgres(url, { max: 4 });
  const template = inject("pgliteTemplate");
  if (!template) throw new Error("global setup did not prepare a database");
  const client = await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) });
  return databaseOnPglite(client);
}
