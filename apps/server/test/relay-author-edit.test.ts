import { annotationsOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { atOnceWithJitter } from "./support/jitter.ts";
import { seeded } from "./support/seed.ts";
import { eventually } from "./support/sync-client.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * An author editing their submission through one process while a moderator approves it through the other
 * (docs/architecture.md, "The policy"). Before, the approval published the version its own copy of the
 * document held while the edit, answered 200, was lost; or the approval saw the edit, took its published
 * copy back (409), and with it the submission's only row: it was listed nowhere.
 */
const missing = twoProcessesMissing("relay-author-edit.test");
const ROUNDS = 10;

describe.runIf(!missing)("an author's edit and an approval through two processes at once", () => {
  const servers = twoProcesses();
  const rng = seeded("relay-author-edit");
  console.log(`[relay-author-edit.test] jitter from seed ${rng.seed}`);
  const atOnce = atOnceWithJitter(rng);

  it("keeps the edit it answered, published or still waiting, and never loses the submission", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], "pre");
    const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
    for (let round = 0; round < ROUNDS; round++) {
      const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "first words" });
      const id = posted.body!.id as string;
      expect((await call(servers.b, author, "GET", `/api/annotations/${id}`)).status).toBe(200);
      const [approved, edited] = await atOnce(
        () => call(servers.a, mod, "POST", `/api/annotations/${id}/approve`),
        () => call(servers.b, author, "PATCH", `/api/annotations/${id}`, { body: "second words" }),
      );
      const at = `round ${round}: approve ${approved.status}, edit ${edited.status}`;
      expect([200, 409], at).toContain(approved.status);
      expect([200, 403, 409], at).toContain(edited.status);
      const expected = [200, approved.status === 200 ? "published" : "pending", edited.status === 200 ? "second words" : "first words"];
      for (const server of [servers.a, servers.b]) {
        await eventually(async () => {
          const read = await call(server, owner, "GET", `/api/annotations/${id}`);
          expect([read.status, read.body?.status, read.body?.body], at).toEqual(expected);
        }, 3_000);
      }
    }
  }, 180_000);

  it("decides on what the other process stored before the relay brings it there", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], "pre");
    const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
    const { sync } = (await call(servers.a, author, "GET", `/api/articles/${article.id}`)).body as { sync: { privateRoom: string } };
    // Both processes hold the author's private document, as with the author reading the article in two tabs.
    const tabs = [servers.a, servers.b].map((server) => servers.open(server.url, sync.privateRoom, author.token));
    await Promise.all(tabs.map((tab) => tab.synced));
    let id = "";
    await servers.withRelayDown(async () => {
      const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "first words" });
      id = posted.body!.id as string;
      // The other process's copy has not heard of the submission: before, 404.
      expect((await call(servers.b, author, "PATCH", `/api/annotations/${id}`, { body: "second words" })).status).toBe(200);
      // Nor has the first process's of the edit: before, the approval published "first words", and the edit was lost.
      expect((await call(servers.a, mod, "POST", `/api/annotations/${id}/approve`)).status).toBe(200);
    });
    for (const server of [servers.a, servers.b]) {
      await eventually(async () => {
        const read = await call(server, owner, "GET", `/api/annotations/${id}`);
        expect([read.status, read.body?.status, read.body?.body]).toEqual([200, "published", "second words"]);
      }, 5_000);
    }
  }, 60_000);

  it("sends a rejected submission its author rewrote through the other process back to review, though the relay had not brought the rejection there", async () => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], "pre");
    const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
    const { sync } = (await call(servers.a, author, "GET", `/api/articles/${article.id}`)).body as { sync: { privateRoom: string } };
    const tabs = [servers.a, servers.b].map((server) => servers.open(server.url, sync.privateRoom, author.token));
    await Promise.all(tabs.map((tab) => tab.synced));
    const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "first words" });
    const id = posted.body!.id as string;
    await eventually(async () => expect(annotationsOf(tabs[1]!.doc).has(id)).toBe(true), 5_000);
    await servers.withRelayDown(async () => {
      expect((await call(servers.b, mod, "POST", `/api/annotations/${id}/reject`, { reason: "needs a source" })).status).toBe(204);
      // Before, this copy still read "pending": the edit kept that status, and the rejection, relayed later, won.
      const edited = await call(servers.a, author, "PATCH", `/api/annotations/${id}`, { body: "rewritten, with a source" });
      expect([edited.status, edited.body?.status]).toEqual([200, "pending"]);
    });
    for (const server of [servers.a, servers.b]) {
      await eventually(async () => {
        // Read as its author: a submission is theirs until approved; the moderators have it in their queue.
        const read = await call(server, author, "GET", `/api/annotations/${id}`);
        expect([read.status, read.body?.status, read.body?.body]).toEqual([200, "pending", "rewritten, with a source"]);
        const queue = (await call(server, owner, "GET", `/api/groups/${group.id}/moderation/queue`)).body!.items as { annotation: { id: string } }[];
        expect(queue.map((item) => item.annotation.id)).toContain(id);
      }, 5_000);
    }
  }, 60_000);

  it("edits and votes on an annotation the other process wrote before the relay brings it there", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator", "annotator"], "open");
    const [author, peer] = members as [(typeof members)[0], (typeof members)[0]];
    const readers = [servers.a, servers.b].map((server) => servers.open(server.url, article.sync.room, owner.token));
    await Promise.all(readers.map((reader) => reader.synced));
    let id = "";
    await servers.withRelayDown(async () => {
      const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: "first words" });
      id = posted.body!.id as string;
      expect((await call(servers.b, author, "PATCH", `/api/annotations/${id}`, { body: "second words" })).status).toBe(200);
      expect((await call(servers.b, peer, "PUT", `/api/annotations/${id}/vote`, { value: "agree" })).status).toBe(200);
    });
    for (const server of [servers.a, servers.b]) {
      await eventually(async () => {
        const read = await call(server, owner, "GET", `/api/annotations/${id}`);
        expect([read.status, read.body?.body, (read.body?.votes as { agree: number } | undefined)?.agree]).toEqual([200, "second words", 1]);
      }, 5_000);
    }
  }, 60_000);
});
