import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db.ts";

const root = mkdtempSync(path.join(tmpdir(), "marginalia-data-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What opening an embedded database in `dataDir` fails with, as its name and message. */
async function failureOf(dataDir: string): Promise<{ name: string; message: string }> {
  try {
    await openDatabase({ kind: "pglite", dataDir });
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error(`${dataDir} opened`);
}

/**
 * The same, in a process of an unprivileged user in a directory it may not write, as in a container whose
 * user does not own its working directory. Root writes anywhere, so as root the check runs as `nobody`.
 */
function failureOfUnprivileged(dataDir: string): { name: string; message: string } {
  const script = `import { openDatabase } from ${JSON.stringify(path.resolve(import.meta.dirname, "../db.ts"))};
openDatabase({ kind: "pglite", dataDir: ${JSON.stringify(dataDir)} }).then(
  () => process.exit(3),
  (err) => { process.stdout.write(JSON.stringify({ name: err.name, message: err.message })); process.exit(0); });`;
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", ...asNobody });
  return JSON.parse(out);
}

describe("an embedded data directory that cannot be used", () => {
  it("fails to open with one plain line naming DATA_DIR, when the user may not write where it goes", () => {
    const locked = path.join(root, "locked");
    execFileSync("mkdir", ["-p", locked]);
    chmodSync(root, 0o755);
    chmodSync(locked, 0o555);
    const failure = failureOfUnprivileged(path.join(locked, "data"));
    expect(failure.name).toBe("DataDirUnusable");
    expect(failure.message).toMatch(/^DATA_DIR \S+\/locked\/data cannot be created or written \(permission denied, EACCES\) by user \d+: /);
    expect(failure.message).not.toContain("\n");
  });

  it("fails the same way when a file stands where the directory would be", async () => {
    const file = path.join(root, "a-file");
    writeFileSync(file, "not a directory");
    expect(await failureOf(path.join(file, "data"))).toEqual({
      name: "DataDirUnusable",
      message: expect.stringMatching(/^DATA_DIR \S+\/a-file\/data cannot be created or written \(part of the path is a file, ENOTDIR\)/),
    });
    expect((await failureOf(file)).message).toMatch(/\(a file stands there, EEXIST\)/);
  });

  it("fails with one plain line when the directory holds someone's files but no database", async () => {
    const dir = path.join(root, "notes");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "notes.txt"), "x");
    const failure = await failureOf(dir);
    expect(failure.name).toBe("DataDirUnusable");
    expect(failure.message).toMatch(/^DATA_DIR \S+\/notes holds no database but is not empty \(notes\.txt\): /);
    expect(failure.message).not.toContain("\n");
  });

  it("fails with one plain line when the directory may be written but the database's files in it may not", { timeout: 60_000 }, async () => {
    // A Docker volume first used as root, then mounted for an unprivileged user: the top is writable, its files are root's.
    const dataDir = path.join(root, "foreign-files");
    const database = await openDatabase({ kind: "pglite", dataDir });
    await database.close();
    chmodSync(root, 0o755);
    chmodSync(dataDir, 0o777);
    // Not as root, the same is had by taking the write bit from the files (root ignores it; nobody's user does not own them).
    if (process.getuid?.() !== 0) for (const entry of readdirSync(dataDir, { recursive: true })) chmodSync(path.join(dataDir, String(entry)), 0o555);
    const failure = failureOfUnprivileged(dataDir);
    expect(failure.name).toBe("DataDirUnusable");
    expect(failure.message).toMatch(/^DATA_DIR \S+\/foreign-files cannot be created or written \(permission denied, EACCES: \S+\) by user \d+: /);
    expect(failure.message).not.toContain("\n");
  });
});
