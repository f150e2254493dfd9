import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { TestProject } from "vitest/node";
import { MIGRATIONS_FOLDER, databaseOnPostgres } from "../../src/db.ts";
import { IN_CI } from "./ci.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Real Postgres, already migrated; every test file shares it and uses fresh ids. */
    databaseUrl: string | null;
    /** Otherwise: a migrated PGlite data dir to clone, so no test file migrates again. */
    pgliteTemplate: string | null;
    /** The run's seed, from which every random input of the suite is drawn (seed.ts). */
    seed: number;
  }
}

/** Migrates once per run, on real Postgres when TEST_DATABASE_URL is set, else on PGlite. */
export default async function setup(project: TestProject) {
  const seed = Number(process.env.MARGINALIA_SEED) || 1 + Math.floor(Math.random() * 2 ** 31);
  project.provide("seed", seed);
  console.log(`[marginalia tests] seed ${seed} (replay with MARGINALIA_SEED=${seed})`);
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const database = databaseOnPostgres(url, { max: 1 });
    await database.migrate();
    await database.close();
    project.provide("databaseUrl", url);
    project.provide("pgliteTemplate", null);
    console.log(`[marginalia tests] database: Postgres (${redact(url)})`);
    return;
  }
  if (IN_CI) {
    throw new Error("CI=true needs TEST_DATABASE_URL: database tests must run on real Postgres in CI");
  }
  // Built in this process, once: each test file then runs its own copy the way the server does (embedded/).
  const client = await PGlite.create({ extensions: { pg_trgm } });
  await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  const dump = await client.dumpDataDir("none");
  await client.close();
  const file = path.join(mkdtempSync(path.join(tmpdir(), "marginalia-pglite-")), "template.tar");
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide("databaseUrl", null);
  project.provide("pgliteTemplate", file);
  console.log("[marginalia tests] database: PGlite (TEST_DATABASE_URL is not set)");
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
