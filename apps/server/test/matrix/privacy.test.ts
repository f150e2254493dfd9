import { readAnnotations } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";

const live = liveServer();

const SECRET = "zanzibarquartz";

describe("private and pending annotations", () => {
  it("never reach anyone else: socket, REST, search, export or notifications", async () => {
    const d = await articleWithMembers(live.t.app, ["annotator", "annotator", "moderator", "viewer"], "pre");
    const [author, ...others] = d.members as [(typeof d.members)[0], ...(typeof d.members)];
    const everyoneElse = [d.owner, ...others];
    const mention = others.map((o) => `@${o.email.split("@")[0]}`).join(" ");

    // A private note, and a pending submission (pre-moderated group), both mentioning everyone.
    const priv = await author.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", visibility: "private", body: `${SECRET} private ${mention}` });
    const pending = await author.post(`/api/articles/${d.article.id}/annotations`, {
      kind: "factcheck",
      body: `${SECRET} pending ${mention}`,
      factcheck: { claim: `${SECRET} claim`, verdict: "false", sources: [{ url: "https://example.org", title: SECRET }] },
    });
    expect([priv.status, pending.status]).toEqual([201, 201]);
    expect(pending.body).toMatchObject({ visibility: "private", status: "pending" });
    const ids = [priv.body.id, pending.body.id];

    for (const viewer of everyoneElse) {
      const socket = live.open(d.article.sync.room, viewer.token);
      await socket.synced;
      expect(JSON.stringify(readAnnotations(socket.doc))).not.toContain(SECRET);

      const listed = await viewer.get(`/api/articles/${d.article.id}/annotations`);
      expect(JSON.stringify(listed.body)).not.toContain(SECRET);
      const searched = await viewer.get(`/api/articles/${d.article.id}/annotations?q=${SECRET}`);
      expect(searched.body.annotations).toEqual([]);
      for (const id of ids) expect((await viewer.get(`/api/annotations/${id}`)).status).toBe(404);
      for (const format of ["w3c", "claimreview", "csv", "markdown"]) {
        const exported = await viewer.get(`/api/articles/${d.article.id}/export?format=${format}`);
        expect(exported.status).toBe(200);
        expect(JSON.stringify(exported.body)).not.toContain(SECRET);
        const groupExport = await viewer.get(`/api/groups/${d.group.id}/export?format=${format}`);
        expect(JSON.stringify(groupExport.body)).not.toContain(SECRET);
      }
      const notes = await viewer.get("/api/me/notifications");
      const about = (notes.body.notifications as Array<{ kind: string; annotationId: string; data: { action?: string } }>).filter((n) => ids.includes(n.annotationId));
      expect(JSON.stringify(about)).not.toContain(SECRET);
      // Moderators are told that a submission waits for them (they read it in the queue, below), and nothing of
      // what it says; nobody hears of the private note.
      const moderates = viewer === d.owner || viewer === others[1];
      expect(about.map((n) => [n.kind, n.annotationId, n.data.action])).toEqual(moderates ? [["review", pending.body.id, "submitted"]] : []);
    }

    // The moderator reaches the submission only through the review queue, not the lists.
    const moderator = others[1]!;
    const queue = await moderator.get(`/api/groups/${d.group.id}/moderation/queue`);
    expect(queue.body.items.map((i: { annotation: { id: string } }) => i.annotation.id)).toEqual([pending.body.id]);

    // And the author sees both, everywhere.
    const own = await author.get(`/api/articles/${d.article.id}/annotations?q=${SECRET}`);
    expect(own.body.annotations.map((a: { id: string }) => a.id).sort()).toEqual([...ids].sort());
  });
});
