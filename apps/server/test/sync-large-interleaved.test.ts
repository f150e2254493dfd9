import type * as Y from "yjs";
import { createAnnotation, readAnnotations } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { liveServer } from "./support/live.ts";
import { eventually } from "./support/sync-client.ts";

const live = liveServer();

const count = (doc: Y.Doc, authorId: string) => readAnnotations(doc).filter((a) => a.authorId === authorId).length;

/**
 * A large sync step 2 goes in a piece per turn (docs/sync.md, "Large updates"); the document's other writers
 * go on meanwhile, rather than wait for its last piece.
 */
describe("another member's update while a large step 2 goes in", () => {
  it("reaches the other members before the large one has finished going in", async () => {
    const { owner, article, members } = await articleWithMembers(live.t.app, ["annotator", "viewer"]);
    const [annotator, viewer] = members as [(typeof members)[0], (typeof members)[0]];
    const writer = live.open(article.sync.room, owner.token, { acks: true });
    const other = live.open(article.sync.room, annotator.token, { acks: true });
    const watcher = live.open(article.sync.room, viewer.token);
    await Promise.all([writer.synced, other.synced, watcher.synced]);

    // 3,000 comments made offline: about a megabyte, sent as the writer's step 2 when it reconnects.
    const total = 3_000;
    writer.provider.disconnect();
    writer.doc.transact(() => {
      for (let i = 0; i < total; i++) createAnnotation(writer.doc, { kind: "comment", authorId: owner.user.id, body: `${i} ${"offline ".repeat(40)}` });
    });
    let sent = false;
    let ownersWhenSeen = -1;
    let annotatorsId = "";
    // What the watcher holds each time something arrives: the annotator's comment is sent once the first of the
    // writer's pieces is there, and must arrive while the writer's are still coming.
    watcher.doc.on("update", () => {
      const owners = count(watcher.doc, owner.user.id);
      if (!sent && owners > 0) {
        sent = true;
        annotatorsId = createAnnotation(other.doc, { kind: "comment", authorId: annotator.user.id, body: "sent while the large one goes in" });
      }
      if (sent && ownersWhenSeen < 0 && readAnnotations(watcher.doc).some((a) => a.id === annotatorsId)) ownersWhenSeen = owners;
    });
    writer.provider.connect();
    await eventually(() => expect(count(watcher.doc, owner.user.id)).toBe(total), 60_000);
    await eventually(() => expect(ownersWhenSeen).toBeGreaterThanOrEqual(0), 10_000);
    expect(ownersWhenSeen).toBeLessThan(total);
    // Both acknowledged: durable, each in its socket's order.
    await eventually(() => expect(Math.min(writer.acks.length, other.acks.length)).toBeGreaterThan(0), 10_000);
    expect([writer.closes, other.closes, watcher.closes]).toEqual([[], [], []]);
  }, 120_000);
});
