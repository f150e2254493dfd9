import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { type Database, databaseOnPostgres } from "../../src/db.ts";
import { type EmbeddedDatabase, type EmbeddedOptions, startEmbeddedDatabase } from "../../src/embedded/database.ts";

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

/**
 * A private embedded database whichever database the suite runs on: the
 * suite's migrated template when it runs on PGlite, otherwise one made and
 * migrated here (initdb and migrations: slow).
 */
export async function openEmbeddedTestDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const template = inject("pgliteTemplate");
  if (template) return startEmbeddedDatabase({ template }, options);
  const dataDir = mkdtempSync(path.join(tmpdir(), "marginalia-embedded-"));
  const database = await startEmbeddedDatabase({ dataDir }, options);
  await database.migrate();
  const close = database.close;
  return { ...database, close: async () => (await close(), rmSync(dataDir, { recursive: true, force: true })) };
}
