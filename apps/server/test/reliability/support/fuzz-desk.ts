import { afterAll, beforeAll } from "vitest";
import { type TestApp, createTestApp } from "../../support/app.ts";
import { articleWithMembers } from "../../support/article.ts";
import { type SyncClient, openSyncClient } from "../../support/sync-client.ts";

type Setup = Awaited<ReturnType<typeof articleWithMembers>>;

/**
 * The server, article and two honest editors (the owner and an annotator, each showing a selection) that
 * hostile clients are set against, for the fuzzing and its pinned cases alike; members 1 and 2 (an
 * annotator and a viewer) are left for the hostile side. Registers its own beforeAll and afterAll.
 */
export function fuzzDesk(heartbeatMs: number) {
  let t: TestApp | null = null;
  let url = "";
  let setup: Setup | null = null;
  const honest: SyncClient[] = [];
  beforeAll(async () => {
    t = await createTestApp({ env: { SYNC_HEARTBEAT_MS: String(heartbeatMs) } });
    url = await t.listen();
    setup = await articleWithMembers(t.app, ["annotator", "annotator", "viewer"]);
    honest.push(openSyncClient(url, setup.article.sync.room, setup.owner.token));
    honest.push(openSyncClient(url, setup.article.sync.room, setup.members[0]!.token));
    await Promise.all(honest.map((c) => c.synced));
    for (const c of honest) c.provider.awareness.setLocalStateField("selection", { start: 0, end: 3 });
  });
  afterAll(async () => {
    for (const c of honest) c.destroy();
    await t?.close();
  });
  return {
    get t(): TestApp {
      return t!;
    },
    get url(): string {
      return url;
    },
    get setup(): Setup {
      return setup!;
    },
    honest,
  };
}
