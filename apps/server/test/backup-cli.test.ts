import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { groups } from "@marginalia/schema/tables";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../src/embedded/database.ts";
import { createGroup as createGroupRow } from "../src/services/groups.ts";
import { createUser } from "../src/services/users.ts";
import { freshEmail } from "./support/app.ts";
import { runCli } from "./support/cli.ts";

/*
 * The backup commands as a person runs them, in processes of their own on an embedded database; what
 * a backup holds and how a restore treats it is backup.test.ts's work, in-process.
 */

const work = mkdtempSync(path.join(tmpdir(), "marginalia-backup-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("backup and restore of a group", () => {
  // Three processes of a few CPU-seconds each: the command line as a person runs it, embedded database to embedded database.
  // Two processes on one data directory: the commands' plumbing (arguments, output, exit codes). A successful
  // restore into another database is the in-process tests' work; a third process booting a fresh data
  // directory would double this test's time for nothing they do not check.
  it("backs up from the command line, and refuses to restore over the same group with exit code 1", async () => {
    const from = path.join(work, "cli-from");
    const embedded = await startEmbeddedDatabase({ dataDir: from });
    await embedded.migrate();
    const user = await createUser(embedded.db, { email: freshEmail("cli"), name: "Cli Owner", password: "correct horse battery" });
    const group = await createGroupRow(embedded.db, user.id, { name: "Command line desk", moderation: "pre" });
    await embedded.close();

    const out = path.join(work, "cli.jsonl.gz");
    const cli = (args: string[]) => runCli(args, { DATA_DIR: from });
    const backup = await cli(["backup", "--group", group.id, "--out", out]);
    expect(backup).toMatchObject({ code: 0, stdout: `${out}\n` });
    expect(statSync(out).size).toBeGreaterThan(0);
    const again = await cli(["restore", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^marginalia: Nothing was restored: group .* already exist here\. Run with --overwrite/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("refuses to open an embedded database another process has open, and leaves it as it was", async () => {
    const dir = path.join(work, "in-use");
    const running = await startEmbeddedDatabase({ dataDir: dir });
    await running.migrate();
    const email = freshEmail("busy");
    const user = await createUser(running.db, { email, name: "Busy Owner", password: "correct horse battery" });
    const group = await createGroupRow(running.db, user.id, { name: "Desk in use", moderation: "open" });
    try {
      const backup = await runCli(["backup", "--group", group.id, "--out", path.join(work, "never.jsonl.gz")], { DATA_DIR: dir });
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain(`is open in process ${process.pid}`);
      expect(backup.stderr).not.toContain("unexpected error");
      expect(backup.stderr).not.toContain("/export");
      // An export has another way: the running server's own.
      const exported = await runCli(["export", "--group", group.id, "--as", email, "--format", "csv"], { DATA_DIR: dir });
      expect(exported.code).toBe(1);
      expect(exported.stderr).toContain(`is open in process ${process.pid}`);
      expect(exported.stderr).toContain("GET /api/articles/:id/export or /api/groups/:id/export");
    } finally {
      await running.close();
    }
    // Unharmed, and free again once closed.
    const reopened = await startEmbeddedDatabase({ dataDir: dir });
    try {
      const [row] = await reopened.db.select({ name: groups.name }).from(groups).where(eq(groups.id, group.id));
      expect(row).toEqual({ name: "Desk in use" });
    } finally {
      await reopened.close();
    }
  }, 120_000);
});
