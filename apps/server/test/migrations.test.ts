import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../src/db.ts";
import { type ServerProcess, startServerProcess } from "./support/process.ts";
import { type Rng, seeded } from "./support/seed.ts";
import { checkedFetch } from "./support/openapi.ts";
import { sleep } from "./support/sleep.ts";
import { NO_SHARED_POSTGRES, requiredInCi } from "./support/ci.ts";

/**
 * Three server processes start at the same moment against one database,
 * fresh or a migration behind: they take turns migrating under the advisory
 * lock, and all three come up ready, with each migration applied once and,
 * asked to seed the demo, one demo between them.
 */

// Three processes cannot share an embedded database: this needs Postgres, on which it makes databases of its own.
const adminUrl = inject("databaseUrl");
requiredInCi("migrations.test", adminUrl ? null : NO_SHARED_POSTGRES);

const PROCESSES = 3;
const START_TIMEOUT_MS = 90_000;

describe.runIf(adminUrl)("servers starting together on one database", () => {
  let admin: postgres.Sql;
  const databases: string[] = [];
  const servers: ServerProcess[] = [];

  beforeAll(() => {
    admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop("SIGKILL")));
    for (const name of databases) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  /** A new, empty database on the shared server; its URL. */
  async function freshDatabase(): Promise<string> {
    // A unique name, not an input (test/support/seed.ts): a replayed seed must not meet a database its run left behind.
    const name = `marginalia_mig_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await admin.unsafe(`create database ${name}`);
    databases.push(name);
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Starts the processes a few seeded milliseconds apart, so that runs differ in who migrates while others wait. */
  async function startTogether(url: string, rng: Rng, seedDemo = false) {
    console.log(`[migrations.test] start offsets from seed ${rng.seed}`);
    const started = await Promise.allSettled(
      Array.from({ length: PROCESSES }, async () => {
        await sleep(rng.int(50));
        const server = await startServerProcess({ DATABASE_URL: url, SEED_DEMO: String(seedDemo) }, { timeoutMs: START_TIMEOUT_MS });
        servers.push(server);
        return server;
      }),
    );
    const failed = started.flatMap((s) => (s.status === "rejected" ? [String(s.reason).slice(0, 3_000)] : []));
    expect(failed, `processes that did not come up (seed ${rng.seed})`).toEqual([]);
    const running = started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
    const waited = running.filter((s) => s.output().includes("another process is migrating")).length;
    console.log(`[migrations.test] ${waited} of ${PROCESSES} processes waited for another's migrations`);
    return running;
  }

  /** Then stops them: the next case's processes get the machine to themselves. */
  async function expectReadyAndMigratedOnce(url: string, running: ServerProcess[]) {
    try {
      for (const server of running) {
        const res = await checkedFetch(`${server.url}/readyz`);
        expect(res.status, await res.text()).toBe(200);
      }
    } finally {
      await Promise.all(running.map((s) => s.stop("SIGKILL")));
    }
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ created_at: string }[]>`select created_at from drizzle.__drizzle_migrations order by created_at`;
      expect(rows.map((r) => Number(r.created_at))).toEqual(readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => m.folderMillis));
    } finally {
      await sql.end();
    }
  }

  it("all come up on a fresh, empty database, seeding the demo once between them", async () => {
    const url = await freshDatabase();
    await expectReadyAndMigratedOnce(url, await startTogether(url, seeded("migrations:fresh"), true));
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [made] = await sql<{ users: number; groups: number }[]>`
        select (select count(*)::int from users where email = 'demo@marginalia.dev') as users,
               (select count(*)::int from groups where name = 'Demo fact-checking desk') as groups`;
      expect(made).toEqual({ users: 1, groups: 1 });
    } finally {
      await sql.end();
    }
  }, START_TIMEOUT_MS + 30_000);

  it("all come up on a database one migration behind, which one of them brings up to date", async () => {
    const url = await freshDatabase();
    await migrateAllButTheLast(url);
    await expectReadyAndMigratedOnce(url, await startTogether(url, seeded("migrations:older")));
  }, START_TIMEOUT_MS + 30_000);
});

/** The database as the previous release left it: every migration but the newest. */
async function migrateAllButTheLast(url: string) {
  const folder = mkdtempSync(path.join(tmpdir(), "marginalia-migrations-"));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = path.join(folder, "meta/_journal.json");
    const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: unknown[] };
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }));
    await migrate(drizzle(sql), { migrationsFolder: folder });
  } finally {
    await sql.end();
    rmSync(folder, { recursive: true, force: true });
  }
}
