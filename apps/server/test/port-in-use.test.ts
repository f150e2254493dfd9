import { existsSync, mkdtempSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess } from "./support/process.ts";

/**
 * A second server started on a port already taken (the same `pnpm start` run twice, or a new version beside
 * an old one that predates the data directory's lock) stops before it opens the embedded database: two
 * PGlite instances on one directory leave it unreadable.
 */
describe("a port already in use", () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it("stops the server with a message naming it, before the data directory is touched", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "marginalia-port-")), "db");
    const started = startServerProcess({ PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, SEED_DEMO: "false" }, { timeoutMs: 30_000 });
    const failure = await started.then(
      () => null,
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/server exited with 1/);
    expect(failure).toContain(`port ${port} is in use`);
    expect(existsSync(dataDir)).toBe(false);
  });
});
