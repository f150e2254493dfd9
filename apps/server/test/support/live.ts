import { afterAll, beforeAll } from "vitest";
import { type TestApp, type TestAppOptions, createTestApp } from "./app.ts";
import { type SyncClient, openSyncClient } from "./sync-client.ts";

/**
 * A listening test server for one file, with its sync clients destroyed at the
 * end: registers its own beforeAll and afterAll.
 */
export function liveServer(options: TestAppOptions = {}) {
  let app: TestApp | null = null;
  let base = "";
  const clients: SyncClient[] = [];
  beforeAll(async () => {
    app = await createTestApp(options);
    base = await app.listen();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await app?.close();
  });
  return {
    get t(): TestApp {
      return app!;
    },
    get url(): string {
      return base;
    },
    /** A sync client on this server, cleaned up with the file. */
    open(room: string, token: string, options?: Parameters<typeof openSyncClient>[3]): SyncClient {
      const client = openSyncClient(base, room, token, options);
      clients.push(client);
      return client;
    },
  };
}
