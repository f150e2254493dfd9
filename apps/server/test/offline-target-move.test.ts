import { CodePointIndex, annotationsOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { articleWithMembers, targetOn } from "./support/article.ts";
import { liveServer } from "./support/live.ts";
import { eventually } from "./support/sync-client.ts";

const live = liveServer();

const FIRST = "the West is so sensitive about any cooperation";
const SECOND = "Russia and the Iranian regime are both today under tough sanctions";
const GONE = "Western countries, especially the United States, do not have many options";

describe("a target moved offline while the text was corrected", () => {
  // Yjs keeps one of two concurrent values of a key by comparing their writers' client ids: the author's
  // sorts below the server's (1) and above it (the largest id).
  // From a passage the correction keeps, which the server moves too, or from one it deletes, which it orphans.
  it.each([
    [FIRST, 1],
    [FIRST, 2 ** 32 - 1],
    [GONE, 1],
  ])("keeps its author's move away from %j, carried onto the new revision (client id %i)", async (from, clientId) => {
    const d = await articleWithMembers(live.t.app, []);
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const created = await d.owner.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "moved offline", target: targetOn(text, from) });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const doc = new Y.Doc();
    doc.clientID = clientId;
    const author = live.open(d.article.sync.room, d.owner.token, { doc, reconnect: true });
    await author.synced;
    author.provider.disconnect();
    annotationsOf(doc).get(id)!.set("target", targetOn(text, SECOND));

    const revised = `Correction: a paragraph was added above.\n\n${text}`.replace(text.split("\n").find((l) => l.includes(GONE))!, "");
    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, revised, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    const index = new CodePointIndex(put.body.text);
    author.provider.connect();

    await eventually(async () => {
      const stored = (await d.owner.get(`/api/annotations/${id}`)).body;
      expect(stored.target).toMatchObject({ revision: 2, exact: SECOND });
      const target = annotationsOf(doc).get(id)!.get("target") as { start: number; end: number; revision: number };
      expect(index.slice(target.start, target.end)).toBe(SECOND);
    }, 10_000);
  }, 30_000);
});
