import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import type {} from "../../../server/test/support/global-setup.ts";
import { type ServerProcess, startServerProcess } from "../../../server/test/support/process.ts";

/** A port nobody listens on right now, so that PUBLIC_ORIGIN can name it before the server starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The real server in its own process, as `pnpm start` runs it. The browser's
 * Origin must equal PUBLIC_ORIGIN for writes and websocket upgrades, and the
 * port is only free to choose before the start, hence the probe.
 */
export async function startAppServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const databaseUrl = inject("databaseUrl");
  const database: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), "marginalia-web-")), "db") };
  return startServerProcess(
    {
      ...database,
      PORT: String(port),
      PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
      // The tests import the seed article themselves: on a shared Postgres, parallel seeding would race.
      SEED_DEMO: "false",
      ...env,
    },
    { timeoutMs: 60_000 },
  );
}
