import { annotationsOf } from "@marginalia/schema";
import type * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { holdAnnotationRow, turnWaiters } from "./support/held-turn.ts";
import { submissionsOnBoth } from "./support/submissions-on-both.ts";
import { type SyncClient, eventually } from "./support/sync-client.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * A row written again (sync/persist/reprojection.ts) by a process that a decision made through the other
 * has not reached yet. Before, the process wrote the row from its copy as it was, after the rejection had
 * been answered 204, and the author read the submission "pending" until the relay brought the rejection.
 */
const missing = twoProcessesMissing("relay-decision-rewrite.test");

const bodyIn = (tab: SyncClient, id: string) => (annotationsOf(tab.doc).get(id)?.get("body") as Y.Text | undefined)?.toString();

describe.runIf(!missing)("a row written again on a process a decision has not reached", () => {
  const servers = twoProcesses();

  it("never writes a rejected submission back to pending once the rejection is answered", async () => {
    const { article, author, mod, tabs, submit } = await submissionsOnBoth(servers);
    const db = servers.t.database.db;
    // Submitted through the first process, which writes its row again when another process's edit of it arrives.
    const id = await submit("first words");
    // The moderator's own comment, whose edits take no decision's turn: the first process's commits wait behind its row, held here.
    const other = (await call(servers.a, mod, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "a comment" })).body!.id as string;
    const row = await holdAnnotationRow(db, other);
    const otherEdit = call(servers.a, mod, "PATCH", `/api/annotations/${other}`, { body: "a comment, edited" });
    await eventually(async () => expect(await row.blocked()).toBeGreaterThan(0), 5_000);
    expect((await call(servers.b, author, "PATCH", `/api/annotations/${id}`, { body: "second words" })).status).toBe(200);
    // Relayed to the first process: its row of the submission is to be written again, after the held commit.
    await eventually(() => expect(bodyIn(tabs[0], id)).toBe("second words"), 5_000);
    await servers.withRelayDown(async () => {
      let answered = false;
      const rejected = call(servers.b, mod, "POST", `/api/annotations/${id}/reject`, { reason: "needs a source" }).finally(() => (answered = true));
      // Answered at once (before), or waiting for the article's turn, which the row's rewrite holds.
      await eventually(async () => expect(answered || (await turnWaiters(db, article.id)) > 0).toBe(true), 10_000);
      await row.release();
      expect((await otherEdit).status).toBe(200);
      expect((await rejected).status).toBe(204);
      // Queued after the rewrite, for the same article: once this is stored, so is the rewritten row.
      expect((await call(servers.a, mod, "PATCH", `/api/annotations/${other}`, { body: "a comment, edited twice" })).status).toBe(200);
      // The relay is still down: neither process has heard of the other's writes but through the database.
      for (const server of [servers.a, servers.b]) {
        const read = await call(server, author, "GET", `/api/annotations/${id}`);
        expect([read.status, read.body?.status, read.body?.body]).toEqual([200, "rejected", "second words"]);
      }
    });
  }, 60_000);
});
