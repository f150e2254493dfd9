import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { LOCK_FILE } from "./fresh-data-dir.mjs";

export { LOCK_FILE };

/** Another live process has the data directory open. */
export class DataDirInUse extends Error {
  override name = "DataDirInUse";
}

/** Claims this process holds. A claim naming our pid that is not among them is a previous life's (a container restarted: pid 1 again). */
const held = new Set<string>();

/** How many levels of abandoned takeovers (a taker killed mid-way) are cleared before giving up. */
const MAX_TAKEOVER_DEPTH = 3;
const TAKING = ".taking";

/**
 * A claim names the host as well as the pid. Containers sharing a volume (two replicas, a one-off CLI container
 * beside the server) each see their own processes only, and each runs as pid 1: a pid from another host can be
 * judged neither alive nor dead, so such a claim is never taken over. A container restarted keeps its host name,
 * and takes over its earlier life's claim as before.
 */
const HOST = hostname();
/**
 * And the process's start time (/proc/<pid>/stat), so that a pid the system has since given to another process
 * (a reboot, or a long uptime's wrap) is not taken for the server that wrote the claim: without it, such a claim
 * blocked every start until deleted by hand. Where there is no /proc, a claim is judged by its pid alone.
 */
const OUR_CLAIM = `${process.pid} ${HOST} ${startTimeOf(process.pid) ?? ""}`.trimEnd() + "\n";

/** What a claim says: its process, and the host it runs on when that is another, whose processes cannot be judged. */
type Holder = { pid: number; started?: string; foreignHost?: string };

/**
 * Claims an embedded data directory for this process, or refuses. PGlite
 * takes no lock of its own: a second process (the CLI's backup beside a
 * running server) opened the same files, read what the server had not yet
 * written out, and the two left the directory unable to start. A claim whose
 * process is gone (a crash, kill -9) is taken over. Returns the release.
 */
export function claimDataDir(dataDir: string): () => void {
  const file = path.resolve(dataDir, LOCK_FILE);
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createWith(file, OUR_CLAIM)) {
      held.add(file);
      return () => release(file);
    }
    const holder = holderOf(file);
    if (typeof holder === "object" && holder.foreignHost !== undefined) {
      throw new DataDirInUse(
        `the embedded database in ${dataDir} is claimed by process ${holder.pid} on host ${holder.foreignHost}, whose processes this one cannot see: ` +
          `stop that server first (two processes on one embedded database corrupt it). If it no longer runs, delete ${file}.`,
      );
    }
    if (typeof holder === "object" && holdsIt(file, holder)) {
      throw new DataDirInUse(
        `the embedded database in ${dataDir} is open in process ${holder.pid}${holder.pid === process.pid ? " (this one)" : ""}: ` +
          "stop that server first (two processes on one embedded database corrupt it), or use Postgres (DATABASE_URL) " +
          `to run commands beside a live server. If no such process runs, delete ${file}.`,
      );
    }
    removeIfStale(file, 0);
  }
  throw new DataDirInUse(
    `could not claim the embedded database in ${dataDir}: other processes claim it at the same moment. ` +
      `If none is starting, delete ${file}${TAKING}, left by one stopped while taking over a claim.`,
  );
}

/**
 * Creates `file` holding `content`, or finds it there. Written aside and
 * linked into place, so that no reader ever sees it empty: an empty claim
 * would name no process and be taken for a stale one.
 */
function createWith(file: string, content: string): boolean {
  const aside = `${file}.${process.pid}-${randomUUID()}`;
  writeFileSync(aside, content, { flag: "wx" });
  try {
    linkSync(aside, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Removes `file` if the process it names is gone. Reading the holder and
 * removing the file are two steps: two processes that both read a stale
 * claim, where one removes it and claims the directory, must not let the
 * other remove that fresh claim. So whoever removes a claim first takes
 * `<file>.taking` (created exclusively, like the claim) and judges the claim
 * again while holding it; a live owner never loses its claim, since only a
 * dead one's is removed, and only under the token. A token left by a taker
 * killed mid-way is itself a stale claim, cleared the same way.
 */
function removeIfStale(file: string, depth: number) {
  const token = file + TAKING;
  if (!createWith(token, OUR_CLAIM)) {
    const taker = holderOf(token);
    // Gone already: the claim was judged meanwhile, and is to be tried again.
    if (taker === "missing") return;
    if (depth < MAX_TAKEOVER_DEPTH && isStale(token, taker)) removeIfStale(token, depth + 1);
    // Another process is judging the claim; its turn lasts a few system calls.
    else pause(2);
    return;
  }
  try {
    // A claim that vanished meanwhile is left alone: what stands there next is someone's fresh claim.
    if (isStale(file, holderOf(file))) rmSync(file, { force: true });
  } finally {
    unlinkSync(token);
  }
}

/** Whether the process named in `file` has it: a claim naming our pid that we never made is an earlier life's (a container restarted: pid 1 again). */
function holdsIt(file: string, holder: Holder): boolean {
  return holder.pid === process.pid ? held.has(file) : isAlive(holder);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number) {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * The process a claim names; "unreadable" for one that names no pid (written by hand, or cut short by an older
 * release). Older releases' claims name the pid alone, or the pid and host without the start time.
 */
function holderOf(file: string): Holder | "unreadable" | "missing" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw err;
  }
  const [first = "", host, started] = text.trim().split(" ", 3);
  const pid = Number(first);
  if (!Number.isInteger(pid) || pid <= 0) return "unreadable";
  return { pid, ...(started && { started }), ...(host !== undefined && host !== HOST && { foreignHost: host }) };
}

function isStale(file: string, holder: ReturnType<typeof holderOf>): boolean {
  return holder === "unreadable" || (typeof holder === "object" && holder.foreignHost === undefined && !holdsIt(file, holder));
}

/** Whether the claim's process runs: its pid answers, and is not a zombie or a later process given the same pid. */
function isAlive({ pid, started }: Holder): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(pid);
  // No /proc (or not ours to read): the pid is all there is to judge by.
  if (!stat) return true;
  // A process killed and not yet reaped by its parent still answers kill(pid, 0), but holds no files.
  if (stat[0] === "Z") return false;
  return started === undefined || stat[19] === started;
}

/** The fields of /proc/<pid>/stat after the command name (state first), or null where it cannot be read. */
function procStat(pid: number): string[] | null {
  try {
    // The command name is in parentheses, and may hold spaces and parentheses itself.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** When the process started, in clock ticks after boot (field 22 of /proc/<pid>/stat): with the pid, it names one process. */
function startTimeOf(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/** Only our own claim is removed: a directory taken over meanwhile keeps its new owner's. */
function release(file: string) {
  held.delete(file);
  try {
    const holder = holderOf(file);
    if (typeof holder === "object" && holder.foreignHost === undefined && holder.pid === process.pid) unlinkSync(file);
  } catch {
    // Already gone (removed with its directory, or by hand): there is nothing left to release.
  }
}
