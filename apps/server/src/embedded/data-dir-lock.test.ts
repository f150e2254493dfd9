import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { seeded } from "../../test/support/seed.ts";
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
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toMatch(new RegExp(`^${process.pid} ${hostname()} \\d+$`));
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

  it("is taken over from a live process that only reuses the pid of the claim's, and refused to the process that made it", () => {
    const dir = fresh("reused");
    // The test runner's parent is alive, but it is not the process that wrote a claim with another start time.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid} ${hostname()} 1\n`);
    claimDataDir(dir)();
    const started = readFileSync(`/proc/${process.ppid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid} ${hostname()} ${started}\n`);
    expect(() => claimDataDir(dir)).toThrow(`is open in process ${process.ppid}`);
  });

  it("is never taken over from another host (another container on a shared volume), whose processes cannot be seen", () => {
    const dir = fresh("elsewhere");
    // Pid 1 on another host, as every container's server is: here it would be our own earlier life, or init.
    for (const pid of [deadPid(), process.pid, 1]) {
      writeFileSync(path.join(dir, LOCK_FILE), `${pid} another-container\n`);
      expect(() => claimDataDir(dir)).toThrow(`claimed by process ${pid} on host another-container`);
    }
    // The same host's earlier life (a container restarted keeps its name) is taken over.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.pid} ${hostname()}\n`);
    claimDataDir(dir)();
  });

  it("is taken over from a process that is gone, or from an earlier life of this pid", async () => {
    const dir = fresh("stale");
    writeFileSync(path.join(dir, LOCK_FILE), `${deadPid()}\n`);
    claimDataDir(dir)();
    // Killed, and not yet reaped: its parent shell turned into a `sleep`, which never waits for children.
    const parent = spawn("sh", ["-c", "sleep 30 & echo $!; kill -9 $!; exec sleep 10"]);
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(d.toString()))));
    await vi.waitFor(() => expect(readFileSync(`/proc/${zombie}/stat`, "utf8")).toMatch(/\) Z /), { timeout: 15_000 });
    writeFileSync(path.join(dir, LOCK_FILE), `${zombie}\n`);
    claimDataDir(dir)();
    parent.kill();
    // A container restarted runs as pid 1 again: a claim naming our pid that this process never made is stale.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`);
    const release = claimDataDir(dir);
    release();
  });

  it("is taken over from a dead process by exactly one of many processes claiming it at the same moment", async () => {
    const rng = seeded("data-dir-lock contenders");
    const contenders = Array.from({ length: 6 }, () =>
      fork(path.join(import.meta.dirname, "data-dir-lock-contender.ts"), [], { execArgv: ["--import", "tsx"], stdio: "ignore" }),
    );
    try {
      await Promise.all(contenders.map((c) => reply(c)));
      for (let round = 0; round < 12; round++) {
        const dir = fresh(`race-${round}`);
        writeFileSync(path.join(dir, LOCK_FILE), `${deadPid()}\n`);
        const at = Date.now() + 200;
        const answers = contenders.map((c) => reply(c));
        for (const c of contenders) c.send({ dir, at, spin: rng.int(20_000) });
        const outcomes = await Promise.all(answers);
        expect(outcomes.filter((o) => o === "won"), `round ${round}, seed ${rng.seed}`).toHaveLength(1);
        await Promise.all(contenders.map((c) => (c.send({ release: true }), reply(c))));
      }
    } finally {
      for (const c of contenders) c.kill();
    }
  }, 60_000);
});

function deadPid(): string {
  return spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
}

function reply(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => child.once("message", (m) => resolve(String(m))));
}
