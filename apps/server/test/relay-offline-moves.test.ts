import { CodePointIndex, annotationsOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { articleWithMembers, targetOn } from "./support/article.ts";
import { eventually } from "./support/sync-client.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * Highlights moved by their author on one process, offline, while the article was corrected through the
 * other (docs/architecture.md, "Work on the old text"): the correcting process moves the old targets, and
 * its moves reach the author's process before the author's do.
 */
const missing = twoProcessesMissing("relay-offline-moves.test");

const QUOTES = [
  ["the West is so sensitive about any cooperation", "Russia and the Iranian regime are both today under tough sanctions"],
  ["Western countries, especially the United States, do not have many options", "the West is so sensitive about any cooperation"],
] as const;

describe.runIf(!missing)("a target moved offline on one process while another corrects the text", () => {
  const servers = twoProcesses();

  it("keeps the author's moves, carried onto the new revision, on both processes", async () => {
    const { owner, article } = await articleWithMembers(servers.t.app, []);
    const text = (await call(servers.a, owner, "GET", `/api/articles/${article.id}`)).body!.text as string;
    const ids: string[] = [];
    for (const [from] of QUOTES) {
      const posted = await call(servers.a, owner, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "moved", target: targetOn(text, from) });
      ids.push(posted.body!.id as string);
    }
    // Below any server's client id: Yjs would keep the server's concurrent value over this one.
    const doc = new Y.Doc();
    doc.clientID = 1;
    const author = servers.open(servers.b.url, article.sync.room, owner.token, { doc, reconnect: true });
    const watcher = servers.open(servers.b.url, article.sync.room, owner.token);
    await Promise.all([author.synced, watcher.synced]);
    author.provider.disconnect();
    QUOTES.forEach(([, to], i) => annotationsOf(doc).get(ids[i]!)!.set("target", targetOn(text, to)));

    const revised = `Correction: a paragraph was added above.\n\n${text}`;
    const put = await fetch(`${servers.a.url}/api/articles/${article.id}/text`, { method: "PUT", headers: { cookie: owner.cookie!, "content-type": "text/plain" }, body: revised });
    expect(put.status).toBe(201);
    const index = new CodePointIndex(((await put.json()) as { text: string }).text);
    // Process B has the correcting process's moves before the author's come back.
    await eventually(() => {
      for (const id of ids) expect((annotationsOf(watcher.doc).get(id)!.get("target") as { revision: number }).revision).toBe(2);
    }, 10_000);
    author.provider.connect();

    await eventually(async () => {
      for (const [i, id] of ids.entries()) {
        const to = QUOTES[i]![1];
        for (const server of [servers.a, servers.b]) {
          expect((await call(server, owner, "GET", `/api/annotations/${id}`)).body?.target).toMatchObject({ revision: 2, exact: to });
        }
        const target = annotationsOf(doc).get(id)!.get("target") as { start: number; end: number };
        expect(index.slice(target.start, target.end)).toBe(to);
      }
    }, 15_000);
  }, 90_000);
});
