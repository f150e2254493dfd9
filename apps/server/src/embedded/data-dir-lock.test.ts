import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DataDirInUse, LOCK_FILE, claimDataDir } from "./data-dir-lock.ts";

const root = mkdtempSync(path.join(tmpdir(), "marginalia-claim-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (name: string) => {
  const dir = path.join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe("an embedded data directory's claim", () => {
  it("is refused to a second opener while held, and free once released", () => {
    const dir = fresh("held");
    const release = claimDataDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    expect(() => claimDataDir(dir)).toThrow(DataDirInUse);
    release();
    claimDataDir(dir)();
  });

  it("is refused while another live process holds it", () => {
    const dir = fresh("other");
    // The test runner's parent is alive for as long as this test runs.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => claimDataDir(dir)).toThrow(`is open in process ${process.ppid}`);
  });

  it("is taken over from a process that is gone, or from an earlier life of this pid", async () => {
    const dir = fresh("stale");
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(path.join(dir, LOCK_FILE), `${gone}\n`);
    claimDataDir(dir)();
    // Killed, and not yet reaped: its parent shell turned into a `sleep`, which never waits for children.
    const parent = spawn("sh", ["-c", "sleep 30 & echo $!; kill -9 $!; exec sleep 10"]);
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(d.toString()))));
    await vi.waitFor(() => expect(readFileSync(`/proc/${zombie}/stat`, "utf8")).toMatch(/\) Z /), { timeout: 5_000 });
    writeFileSync(path.join(dir, LOCK_FILE), `${zombie}\n`);
    claimDataDir(dir)();
    parent.kill();
    // A container restarted runs as pid 1 again: a claim naming our pid that this process never made is stale.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`);
    const release = claimDataDir(dir);
    release();
  });
});
