import { accessSync, constants, mkdirSync } from "node:fs";

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
 * this process may write in it. A container running as an unprivileged user
 * in a directory owned by root met an uncaught EACCES from deep in the start.
 */
export function usableDataDir(dataDir: string) {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const why = UNUSABLE[code];
    if (!why) throw err;
    const uid = process.getuid?.();
    throw new DataDirUnusable(
      `DATA_DIR ${dataDir} cannot be created or written (${why}, ${code})${uid === undefined ? "" : ` by user ${uid}`}: ` +
        "point DATA_DIR at a directory this user may write, or set DATABASE_URL to use Postgres",
    );
  }
}
