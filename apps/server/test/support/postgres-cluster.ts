import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./redis.ts";

/** The newest installed server's binaries (Debian's layout), or null when there is no Postgres to start. */
export const POSTGRES_BIN: string | null = (() => {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, "bin", "initdb")) && existsSync(path.join(root, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, "bin") : null;
})();

export type PostgresCluster = {
  /** A database URL for the `postgres` database, over TCP. */
  url: string;
  port: number;
  /** Kills the postmaster with SIGKILL, as a crash would, and waits until none of its processes is left. */
  kill(): Promise<void>;
  /** Starts it again on the same data directory and port (crash recovery included), once it accepts connections. */
  start(): Promise<void>;
  /** Kills it and removes its files. */
  destroy(): Promise<void>;
};

type Owner = { uid: number; gid: number };

/**
 * A throwaway Postgres cluster owned by one test file, in a temp dir of its
 * own on a free port, so that the file can crash it and start it again
 * without touching the machine's shared server. Postgres refuses to run as
 * root, so under root it runs as the `postgres` user.
 *
 * The postmaster is this process's own child rather than pg_ctl's orphan: a
 * killed orphan stays a zombie until init reaps it, which in some containers
 * takes long, and a new postmaster takes the zombie's pid in postmaster.pid
 * for a server still running and refuses to start.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  if (!POSTGRES_BIN) throw new Error("no Postgres binaries under /usr/lib/postgresql/*/bin");
  const bin = POSTGRES_BIN;
  const root = mkdtempSync(path.join(tmpdir(), "marginalia-pg-"));
  const dataDir = path.join(root, "data");
  const owner = process.getuid?.() === 0 ? postgresUser() : null;
  if (owner) chownSync(root, owner.uid, owner.gid);
  const port = await freePort();
  let postmaster: ChildProcess | null = null;

  const kill = async () => {
    const running = postmaster;
    postmaster = null;
    if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
    // Its children are recorded first: once it is gone they belong to init. The crash is the postmaster's;
    // the children are killed too, so that no backend still holds the shared memory a restart needs.
    const children = childrenOf(running.pid);
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    for (const child of children) signal(child, "SIGKILL");
    await exited;
    const deadline = Date.now() + 10_000;
    while (children.some(alive)) {
      if (Date.now() > deadline) throw new Error(`postgres processes ${children.filter(alive).join(", ")} outlived SIGKILL`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const start = () =>
    new Promise<void>((resolve, reject) => {
      // The socket goes into the cluster's own dir rather than /tmp, so that a killed cluster's lock file goes
      // with the dir; fsync is off because nothing here has to survive the machine, only the process.
      const args = ["-D", dataDir, "-k", root, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"];
      const started = spawn(path.join(bin, "postgres"), args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...owner });
      postmaster = started;
      let output = "";
      const timer = setTimeout(() => reject(new Error(`postgres did not start in 60 s:\n${output.slice(-3_000)}`)), 60_000);
      // Read to the end, always: a postmaster whose log pipe fills up stops.
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
        if (/database system is ready to accept connections/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout!.on("data", onData);
      started.stderr!.on("data", onData);
      started.once("error", reject);
      started.once("exit", (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited with ${code ?? sig}:\n${output.slice(-3_000)}`));
      });
    });

  // A test run that dies must not leave a cluster behind.
  const onExit = () => {
    const pid = postmaster?.pid;
    if (pid) for (const p of [pid, ...childrenOf(pid)]) signal(p, "SIGKILL");
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const destroy = async () => {
    try {
      await kill();
    } finally {
      rmSync(root, { recursive: true, force: true });
      process.off("exit", onExit);
    }
  };

  try {
    await initdb(bin, dataDir, owner, root);
    await start();
  } catch (err) {
    await destroy().catch(() => {});
    throw err;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, kill, start, destroy };
}

function postgresUser(): Owner {
  const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  if (!Number.isInteger(uid) || uid <= 0) throw new Error("running as root, and there is no postgres user to run Postgres as");
  return { uid, gid: id("-g") };
}

function initdb(bin: string, dataDir: string, owner: Owner | null, cwd: string): Promise<void> {
  const args = ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(bin, "initdb"), args, { cwd, stdio: ["ignore", "pipe", "pipe"], ...owner });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`initdb exited with ${code}:\n${output}`))));
  });
}

/** Running, and not a zombie: a killed orphan may wait a while for init to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {}
  }
  return children;
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {}
}
