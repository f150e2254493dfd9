import { accessSync, constants, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { strangersIn } from "./fresh-data-dir.mjs";

/** DATA_DIR cannot be made or written by this user: a setting to fix, said in one line rather than as a stack trace. */
export class DataDirUnusable extends Error {
  override name = "DataDirUnusable";
}

/** Why a directory cannot be used, as the system says it: what the one line names. */
const UNUSABLE: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOTDIR: "part of the path is a file",
  EEXIST: "a file stands there",
};

/**
 * Makes the embedded database's directory if it is missing, and checks that
 * this process may write in it and every file already in it. A container
 * running as an unprivileged user in a directory owned by root met an uncaught
 * EACCES from deep in the start; one whose volume was first used as root (the
 * top made writable since, the files still root's) met PGlite aborting on the
 * first file it could not open for writing, as a WebAssembly "unreachable".
 */
export function usableDataDir(dataDir: string) {
  let at: string | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK | constants.X_OK);
    // A few thousand files at most, a system call or two each: a start's few milliseconds.
    const walk = (dir: string) => {
      for (const entry of readdirSync(path.join(dataDir, dir), { withFileTypes: true })) {
        at = path.join(dir, entry.name);
        // A directory is judged before it is read, so that the one line names it rather than a sibling.
        accessSync(path.join(dataDir, at), entry.isDirectory() ? constants.R_OK | constants.W_OK | constants.X_OK : constants.R_OK | constants.W_OK);
        if (entry.isDirectory()) walk(at);
      }
    };
    walk("");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const why = UNUSABLE[code];
    if (!why) throw err;
    const uid = process.getuid?.();
    throw new DataDirUnusable(
      `DATA_DIR ${dataDir} cannot be created or written (${why}, ${code}${at === undefined ? "" : `: ${at}`})${uid === undefined ? "" : ` by user ${uid}`}: ` +
        (at === undefined ? "" : "its files belong to another user (chown them to this one), or ") +
        "point DATA_DIR at a directory this user may write, or set DATABASE_URL to use Postgres",
    );
  }
  // Someone's files and no database: Postgres would not initialize there, and they are not ours to move.
  const strangers = strangersIn(dataDir);
  if (strangers) throw new DataDirUnusable(strangers);
}
