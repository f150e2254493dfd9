// A fresh embedded data directory, initialized beside the claim that keeps
// other processes out of it (data-dir-lock.ts). Plain JavaScript, like the
// database's thread that runs it.
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

/** The file in a data directory that names the process using it, as Postgres's postmaster.pid does. */
export const LOCK_FILE = "marginalia.pid";

/** Where a first start initializes the database before moving it into place. */
const STAGING = ".marginalia-init";

/**
 * Postgres initializes only an empty directory, and by the time the database
 * thread starts, the directory holds this process's claim. So a directory
 * without a database is initialized in a staging directory inside it, then
 * moved into place, PG_VERSION last: a move cut short leaves no PG_VERSION,
 * and the next start finds what it left. Anything else in the directory is
 * someone's files, and is refused rather than touched.
 */
export async function prepareDataDir(dataDir, create) {
  if (existsSync(path.join(dataDir, "PG_VERSION"))) return;
  const staging = path.join(dataDir, STAGING);
  const strangers = strangersIn(dataDir);
  if (strangers) throw new Error(strangers);
  rmSync(staging, { recursive: true, force: true });
  const db = await create(staging);
  await db.close();
  const entries = readdirSync(staging);
  for (const entry of entries) if (entry !== "PG_VERSION") renameSync(path.join(staging, entry), path.join(dataDir, entry));
  renameSync(path.join(staging, "PG_VERSION"), path.join(dataDir, "PG_VERSION"));
  rmSync(staging, { recursive: true, force: true });
}

/**
 * Why `dataDir`, which holds no database, cannot be given one: the files in it that are neither
 * the claim, what a claimer killed mid-way leaves beside it (data-dir-lock.ts), nor a first start's
 * staging, which are ours. Null when there are none, or when it holds a database.
 */
export function strangersIn(dataDir) {
  if (existsSync(path.join(dataDir, "PG_VERSION"))) return null;
  const strangers = readdirSync(dataDir).filter((entry) => !entry.startsWith(LOCK_FILE) && entry !== STAGING);
  if (strangers.length === 0) return null;
  return (
    `DATA_DIR ${dataDir} holds no database but is not empty (${strangers.slice(0, 3).join(", ")}${strangers.length > 3 ? ", …" : ""}): ` +
    "point DATA_DIR at an empty or new directory"
  );
}
