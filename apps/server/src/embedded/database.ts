import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { type Database, postgresConnection, setCompactor } from "../db.ts";
import { WorkerLink } from "../threads/worker-link.ts";
import { type Logger, createLogger } from "../logger.ts";
import { type DatabaseJob, compactEmbedded } from "./compact.ts";
import { claimDataDir } from "./data-dir-lock.ts";
import { DEFAULT_VACUUM_POLICY, EmbeddedVacuum, type VacuumPolicy } from "./vacuum.ts";

/** Where the embedded database's data comes from: a data directory, or (tests) a migrated template to clone. */
export type EmbeddedSource = { dataDir: string } | { template: string };

export type EmbeddedOptions = { vacuum?: Partial<VacuumPolicy>; logger?: Logger };

/**
 * What the database's thread holds: its JavaScript heap in use and in pages
 * (V8 keeps pages after a collection), and PGlite's WebAssembly memory.
 */
export type EmbeddedMemory = { heapBytes: number; heapPhysicalBytes: number; wasmBytes: number | null };

/** How many of the database's flushes reached the disk (embedded/flush.mjs): its log's at commits, its files' at checkpoints. */
export type EmbeddedFlushes = { fdatasync: number; fsync: number };
/** The embedded database, with its vacuuming, its thread's memory and its flushes in reach (tests look at them). */
export type EmbeddedDatabase = Database & {
  kind: "pglite";
  vacuum: EmbeddedVacuum;
  memory(): Promise<EmbeddedMemory>;
  flushes(): Promise<EmbeddedFlushes>;
};

/** How long a stopping database may take to close its files before its thread is ended anyway. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * PGlite on a worker thread, reached over a Unix socket in a private
 * directory with postgres.js: the same driver, queries and migrations as
 * real Postgres, and none of the database's CPU on the event loop (a commit
 * on the main thread used to hold every socket's fan-out for its duration).
 * PGlite runs one statement at a time, so one connection carries them all
 * (postgres.js pipelines on it; a transaction holds it, as PGlite would).
 */
export async function startEmbeddedDatabase(source: EmbeddedSource, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  // Before anything touches its files: refused while another process has the directory open.
  const unclaim = "dataDir" in source ? claimDataDir(source.dataDir) : () => {};
  const dir = mkdtempSync(path.join(tmpdir(), "marginalia-db-"));
  const socketPath = path.join(dir, ".s.PGSQL.5432");
  // A young generation of 8 MB, not V8's default of up to 48: the thread allocates fast (every answer it
  // sends) but keeps little, and its young pages stayed resident. Many rooms: the thread's heap 48 -> 26 MB,
  // the process 431 -> 400 MB; fan-out and durable lag no worse (bench/results/journal.md).
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), {
    workerData: { ...source, socketPath },
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  // Without a logger of the caller's, the thread's failures are still told (as errors), and nothing else.
  const logger = options.logger ?? createLogger("error");
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        worker.off("exit", exited);
        reject(err);
      };
      const exited = (code: number) => fail(new Error(`the embedded database stopped while starting (exit ${code})`));
      worker.once("error", fail);
      worker.once("exit", exited);
      worker.once("message", (m: { ready?: boolean; note?: string; failed?: string }) => {
        worker.off("error", fail);
        worker.off("exit", exited);
        if (m.note) logger.warn(m.note);
        if (m.ready) resolve();
        else reject(new Error(`the embedded database could not start: ${m.failed}`));
      });
    });
  } catch (err) {
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
    unclaim();
    throw err;
  }
  let stopping = false;
  const run = databaseJobs(worker);
  worker.on("error", (err) => logger.error({ err }, "the embedded database thread failed"));
  // Not a crash of the server's own making: say so, and let requests fail with database errors rather than hang.
  worker.on("exit", (code) => {
    if (!stopping) logger.error({ exitCode: code }, "the embedded database thread ended unexpectedly");
  });
  const { database, sql } = postgresConnection("postgres://postgres@localhost/postgres", { path: socketPath, max: 1 });
  const exclusive = async <T>(use: () => Promise<T>): Promise<T> => {
    const reserved = await sql.reserve();
    try {
      return await use();
    } finally {
      reserved.release();
    }
  };
  setCompactor(database.db, (docName, compactOptions) => compactEmbedded(run, exclusive, docName, compactOptions));
  const vacuum = new EmbeddedVacuum(run, exclusive, { ...DEFAULT_VACUUM_POLICY, ...options.vacuum }, {
    vacuumed: (done) => logger.info(done, "vacuumed a table of the embedded database"),
    failed: (err) => logger.warn({ err }, "vacuuming the embedded database failed; the next check tries again"),
  });
  vacuum.start();
  return {
    ...database,
    kind: "pglite",
    vacuum,
    memory: () => run<EmbeddedMemory>("memory", {}),
    flushes: () => run<EmbeddedFlushes>("flushes", {}),
    async close() {
      stopping = true;
      await vacuum.stop();
      await database.close();
      const stopped = new Promise<void>((resolve) => {
        worker.on("message", (m: { stopped?: boolean }) => m.stopped && resolve());
        worker.once("exit", () => resolve());
      });
      worker.postMessage("stop");
      await Promise.race([stopped, new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS).unref())]);
      await worker.terminate();
      rmSync(dir, { recursive: true, force: true });
      unclaim();
    },
  };
}

/** Jobs by name on the database thread (worker.mjs), answered by id through the project's one worker link. */
function databaseJobs(worker: Worker): DatabaseJob {
  const link = new WorkerLink<unknown>(() => worker, { keepAlive: true, replaceLost: false });
  return <T>(job: string, message: object, transfer: ArrayBuffer[] = []) =>
    (link.send({ ...message, job }, transfer) as Promise<T> | null) ?? Promise.reject(new Error("the embedded database thread has ended"));
}
