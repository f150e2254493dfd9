import { createServer } from "node:net";

/**
 * Whether this process could listen on `port` now. Asked before the embedded database is opened: a server
 * started twice on one data directory and port (`pnpm start` again, or a new version beside the old one)
 * used to open and migrate the database the other still had open, and only then fail to listen. Versions
 * before the data directory's lock file (embedded/data-dir-lock.ts) cannot be told apart any other way,
 * and two PGlite instances on one directory leave it unreadable. Port 0 (any free port) is always free.
 */
export function portFree(port: number, host: string | undefined): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(false) : reject(err)));
    probe.listen({ port, ...(host && { host }), exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
