import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { annotations, users } from "@marginalia/schema/tables";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../src/cli/command.ts";
import { userByEmail } from "../src/cli/support.ts";
import { startEmbeddedDatabase } from "../src/embedded/database.ts";
import { type CliRun, runCli } from "./support/cli.ts";
import { makePdf } from "./support/pdf.ts";

const ORIGIN = "https://desk.example";
const work = mkdtempSync(path.join(tmpdir(), "marginalia-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The CLI as a person runs it, in its own process, on an embedded database in `dataDir`. */
function cli(args: string[], dataDir = path.join(work, "db"), env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { DATA_DIR: dataDir, PUBLIC_ORIGIN: ORIGIN, ...env });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STACK = /\n\s+at /;

describe("the command line", () => {
  it("answers help with 0, a wrong command line with 2 and a wrong environment with 1, without opening a database", async () => {
    const untouched = path.join(work, "never-created");
    const [help, unknown, missing, badEnv] = await Promise.all([
      cli(["export", "--help"], untouched),
      cli(["frobnicate"], untouched),
      cli(["export", "00000000-0000-4000-8000-000000000000", "--as", "a@b.c"], untouched),
      cli(["token", "create", "--as", "a@b.c", "--name", "n"], untouched, { DATABASE_URL: "mysql://db.example/x" }),
    ]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: marginalia export <articleId> --as <email> --format w3c\|claimreview\|csv\|markdown/);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toMatch(/^marginalia: unknown command "frobnicate"\n\nUsage: .*\n[\s\S]*Commands:/);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toMatch(/^marginalia export: missing --format\n/);
    expect(badEnv).toMatchObject({ code: 1, stdout: "" });
    expect(badEnv.stderr).toMatch(/^marginalia: Invalid environment:\n {2}DATABASE_URL: /);
    for (const run of [unknown, missing, badEnv]) expect(run.stderr).not.toMatch(STACK);
    expect(existsSync(untouched)).toBe(false);
  }, 30_000);

  // Eight processes of three to four CPU-seconds each (tsx, drivers, PGlite start); the timeout allows for a busy machine.
  it("creates a user and a group, imports and exports an article, and manages tokens", async () => {
    const created = await cli(["create-user", "--email", "Ada@Example.test", "--name", "Ada Lovelace"]);
    expect(created.code).toBe(0);
    const [userId, password, ...restOut] = created.stdout.split("\n");
    expect(userId).toMatch(UUID);
    expect(password).toMatch(/^[a-z2-9]{24}$/);
    expect(restOut).toEqual([""]);
    expect(created.stderr).toMatch(/generated password: it will not be shown again/);

    const group = await cli(["group", "create", "--as", "ada@example.test", "--name", "CLI desk"]);
    expect(group.code).toBe(0);
    const groupId = group.stdout.trim();
    expect(groupId).toMatch(UUID);

    const imported = await cli([
      "import", "fixtures/articles/russia-iran-ties.txt", "--group", groupId, "--as", "ada@example.test",
      "--source-url", "https://example.org/story",
    ]);
    expect(imported.code).toBe(0);
    const articleId = imported.stdout.trim();
    expect(articleId).toMatch(UUID);
    expect(imported.stderr).toMatch(/Imported "How to counter Russia-Iran deepening ties\?" \(\d+ blocks\) as text/);
    // Piped stderr: no progress bar drawn.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the terminal codes a progress bar draws with.
    expect(imported.stderr).not.toMatch(/\u001b\[|█|░/);
    const pdfFile = path.join(work, "report.pdf");
    writeFileSync(pdfFile, await makePdf([[["A report the command line reads from a PDF."]]], { title: "CLI report" }));
    const pdf = await cli(["import", pdfFile, "--group", groupId, "--as", "ada@example.test"]);
    expect(pdf.code).toBe(0);
    expect(pdf.stderr).toMatch(/Imported "CLI report" \(1 blocks\) as pdf/);

    // The CLI cannot annotate; put two rows straight into the projection it reads, one of them someone else's private note.
    const embedded = await startEmbeddedDatabase({ dataDir: path.join(work, "db") });
    const { db } = embedded;
    const [other] = await db.insert(users).values({ email: "other@example.test", name: "Other", passwordHash: "x" }).returning();
    const row = { articleId, groupId, revision: 1, kind: "comment" as const, status: "published" as const };
    await db.insert(annotations).values([
      { ...row, id: "c-1", docName: `article:${articleId}`, authorId: userId!, body: "=1+1 Ünïcödé 東京", tags: ["a", "b"] },
      { ...row, id: "p-1", docName: `article:${articleId}:private:${other!.id}`, authorId: other!.id, visibility: "private", body: "SECRET" },
    ]);
    await expect(userByEmail(db, "nobody@example.test")).rejects.toThrow(new CliError("No account has the email nobody@example.test"));
    await embedded.close();

    const out = path.join(work, "out.csv");
    const csv = await cli(["export", articleId, "--as", "ada@example.test", "--format", "csv", "--out", out]);
    expect(csv).toMatchObject({ code: 0, stdout: "" });
    const rows = parse(readFileSync(out, "utf8"), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toEqual([expect.objectContaining({ id: "c-1", body: "'=1+1 Ünïcödé 東京", tags: "a;b", author_name: "Ada Lovelace" })]);

    const md = await cli(["export", articleId, "--as", "ada@example.test", "--format", "markdown"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Fact-check report: How to counter Russia-Iran deepening ties\?\n/);
    expect(md.stdout).toContain("Source: [https://example.org/story](https://example.org/story)");
    expect(md.stdout).toContain(`(${ORIGIN}/articles/${articleId})`);
    expect(md.stdout).toContain("\\=1+1 Ünïcödé 東京");
    expect(md.stdout).not.toContain("SECRET");

    const token = await cli(["token", "create", "--as", "ada@example.test", "--name", "ci"]);
    expect(token.code).toBe(0);
    const [, tokenId] = token.stdout.match(/^mgt_([a-z2-9]{24})\.[a-z2-9]{24}\n$/) ?? [];
    expect(tokenId).toBeDefined();
    expect(token.stderr).toContain(`token revoke --as ada@example.test ${tokenId}`);
    const revoked = await cli(["token", "revoke", "--as", "ada@example.test", tokenId!]);
    expect(revoked).toMatchObject({ code: 0, stdout: "" });

    const outsider = await cli(["export", articleId, "--as", "other@example.test", "--format", "csv"]);
    expect(outsider).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "marginalia: Article not found, or other@example.test is not a member of its group\n",
    });
  }, 240_000);
});
