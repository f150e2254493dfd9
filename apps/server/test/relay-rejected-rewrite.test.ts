import * as Y from "yjs";
import { annotationsOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import type { ServerProcess } from "./support/process.ts";
import type { SyncClient } from "./support/sync-client.ts";
import { eventually } from "./support/sync-client.ts";
import { submissionsOnBoth } from "./support/submissions-on-both.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * A rejection and its author's rewrite through a socket, on two processes whose copies had not met
 * (docs/architecture.md, "More than one process"). Before, the socket's process still read "pending" and
 * sent nothing back to review; the rejection, relayed after, won the merge, and the rewrite stayed rejected
 * on both processes and in the database, in no queue and told to no moderator.
 */
const missing = twoProcessesMissing("relay-rejected-rewrite.test");
const ROUNDS = 3;

/** Replaces a body as an editor would, through the socket's own copy. */
function rewrite(tab: SyncClient, id: string, text: string) {
  const body = annotationsOf(tab.doc).get(id)!.get("body") as Y.Text;
  tab.doc.transact(() => {
    body.delete(0, body.length);
    body.insert(0, text);
  });
}

describe.runIf(!missing)("a rejected submission rewritten through another process's socket", () => {
  const servers = twoProcesses();

  async function setUp() {
    const { owner, group, author, mod, tabs, submit } = await submissionsOnBoth(servers);
    const read = async (server: ServerProcess, id: string) => {
      const one = await call(server, author, "GET", `/api/annotations/${id}`);
      const queue = (await call(server, owner, "GET", `/api/groups/${group.id}/moderation/queue`)).body!.items as { annotation: { id: string } }[];
      return [one.status, one.body?.status, one.body?.body, queue.some((item) => item.annotation.id === id)];
    };
    return { owner, author, mod, tabs, submit, read };
  }

  it("sends the rewrite back to review on both processes, and tells each moderator once", async () => {
    const { owner, mod, tabs, submit, read } = await setUp();
    for (let round = 0; round < ROUNDS; round++) {
      const id = await submit(`first words (${round})`);
      const text = `rewritten, with a source (${round})`;
      await servers.withRelayDown(async () => {
        expect((await call(servers.a, mod, "POST", `/api/annotations/${id}/reject`, { reason: "needs a source" })).status).toBe(204);
        // The other process's copy still reads "pending": the rejection has not crossed.
        rewrite(tabs[1], id, text);
        await eventually(async () => expect(await read(servers.b, id)).toEqual([200, "pending", text, true]), 5_000);
      });
      for (const server of [servers.a, servers.b]) {
        await eventually(async () => expect(await read(server, id), `round ${round}`).toEqual([200, "pending", text, true]), 10_000);
      }
      for (const tab of tabs) await eventually(() => expect(annotationsOf(tab.doc).get(id)?.get("status")).toBe("pending"), 5_000);
      for (const moderator of [owner, mod]) {
        await eventually(async () => {
          const told = (await call(servers.b, moderator, "GET", "/api/me/notifications")).body!.notifications as Array<{ annotationId: string; data: { action?: string } }>;
          expect(told.filter((n) => n.annotationId === id && n.data.action === "resubmitted"), `round ${round}`).toHaveLength(1);
        }, 5_000);
      }
    }
  }, 180_000);

  it("keeps a rejection that saw the rewrite", async () => {
    const { author, mod, tabs, submit, read } = await setUp();
    const id = await submit("first words");
    rewrite(tabs[1], id, "second words");
    // The rejecting process has the rewrite before the moderator decides on it.
    await eventually(async () => expect((await call(servers.a, author, "GET", `/api/annotations/${id}`)).body?.body).toBe("second words"), 5_000);
    expect((await call(servers.a, mod, "POST", `/api/annotations/${id}/reject`, { reason: "still no source" })).status).toBe(204);
    // Everything before a later submission has crossed by the time that submission has.
    await submit("a later one");
    for (const server of [servers.a, servers.b]) expect(await read(server, id)).toEqual([200, "rejected", "second words", false]);
    for (const tab of tabs) expect(annotationsOf(tab.doc).get(id)?.get("status")).toBe("rejected");
  }, 60_000);
});
