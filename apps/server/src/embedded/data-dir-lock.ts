import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { LOCK_FILE } from "./fresh-data-dir.mjs";

export { LOCK_FILE };

/** Another live process has the data directory open. */
export class DataDirInUse extends Error {
  override name = "DataDirInUse";
}

/** Claims this process holds. A claim naming our pid that is not among them is a previous life's (a container restarted: pid 1 again). */
const held = new Set<string>();

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
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(file);
      return () => release(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = holderOf(file);
      if (holder !== null && (holder === process.pid ? held.has(file) : isAlive(holder))) {
        throw new DataDirInUse(
          `the embedded database in ${dataDir} is open in process ${holder}${holder === process.pid ? " (this one)" : ""}: ` +
            "stop that server first (two processes on one embedded database corrupt it), or use Postgres (DATABASE_URL) " +
            `to run commands beside a live server. If no such process runs, delete ${file}.`,
        );
      }
      // A claim left by a process that is gone.
      unlinkSync(file);
    }
  }
  throw new DataDirInUse(`could not claim the embedded database in ${dataDir}: another process claims it at the same moment`);
}

function holderOf(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** A process killed and not yet reaped by its parent still answers kill(pid, 0), but holds no files. */
function isZombie(pid: number): boolean {
  try {
    // The state follows the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

/** Only our own claim is removed: a directory taken over meanwhile keeps its new owner's. */
function release(file: string) {
  held.delete(file);
  if (holderOf(file) !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    // Already gone (removed with its directory, or by hand): there is nothing left to release.
  }
}
