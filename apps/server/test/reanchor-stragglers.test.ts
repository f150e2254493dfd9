import { CodePointIndex, annotationsOf, createAnnotation, parseRoom } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { contextFor } from "../src/documents/context.ts";
import type { AccessEvent } from "../src/sync/authorize/access.ts";
import { type DocumentRelay, LOCAL_ONLY } from "../src/sync/broadcast/document-relay.ts";
import { articleWithMembers, targetOn } from "./support/article.ts";
import { liveServer } from "./support/live.ts";
import { eventually } from "./support/sync-client.ts";

/** A relay with no other process behind it, through which the test delivers what another process would. */
const listeners: Array<(event: AccessEvent | null) => void> = [];
const relay: DocumentRelay = { ...LOCAL_ONLY, onAccess: (listener) => void listeners.push(listener) };
const live = liveServer({ sync: { relay } });

const MOVED = "the West is so sensitive about any cooperation";
const GONE = "Western countries, especially the United States, do not have many options";


describe("work written on the old text by another process", () => {
  it("is moved onto a revision made elsewhere once this process hears of it, or orphaned, never left on the old text", async () => {
    const d = await articleWithMembers(live.t.app, ["annotator"]);
    const reader = live.open(d.article.sync.room, d.owner.token);
    await reader.synced;
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const revised = `Correction: a paragraph was added above.\n\n${text}`.replace(text.split("\n").find((l) => l.includes(GONE))!, "");
    // Stored as the other process stores it: this one learns of it only from the relayed event below.
    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, revised, { "content-type": "text/plain" });
    expect(put.status).toBe(201);

    // What this process's sockets took on the old text before it heard: the revising process read its
    // targets without these.
    const context = contextFor(parseRoom(d.article.sync.room)!, d.group.id, 1);
    const ids: Record<string, string> = {};
    await live.t.hub.change(context, { userId: null }, (doc) => {
      ids.moved = createAnnotation(doc, { kind: "comment", authorId: d.owner.user.id, body: "late", target: targetOn(text, MOVED) });
      ids.gone = createAnnotation(doc, { kind: "comment", authorId: d.owner.user.id, body: "late too", target: targetOn(text, GONE) });
    });
    for (const listener of listeners) listener({ kind: "article-revised", articleId: d.article.id, revision: 2, previousLength: Array.from(text).length });

    const index = new CodePointIndex(put.body.text);
    await eventually(() => {
      const target = annotationsOf(reader.doc).get(ids.moved!)!.get("target") as { start: number; end: number; revision: number };
      expect(target.revision).toBe(2);
      expect(index.slice(target.start, target.end)).toBe(MOVED);
    }, 10_000);
    await eventually(async () => {
      const moved = (await d.owner.get(`/api/annotations/${ids.moved}`)).body;
      expect(moved).toMatchObject({ anchor: { state: "anchored" }, target: { revision: 2, exact: MOVED } });
      const gone = (await d.owner.get(`/api/annotations/${ids.gone}`)).body;
      expect(gone).toMatchObject({ anchor: { state: "orphaned" }, target: { exact: GONE } });
    }, 5_000);
  }, 30_000);
});
