import { annotationsOf } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { atOnceWithJitter } from "./support/jitter.ts";
import { seeded } from "./support/seed.ts";
import { eventually } from "./support/sync-client.ts";
import { callProcess as call, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * An author deleting their annotation through one process while a moderator decides on it through the other:
 * the delete takes the article's decision turns, so that one of the two comes first and the other meets
 * what it did (docs/architecture.md, "The policy"). Before, each process decided from its own copy of the
 * document, and both were taken: a published fact-check deleted by its author, a deleted annotation
 * brought back into the hidden document, an approved submission that its author had deleted.
 */
const missing = twoProcessesMissing("relay-author-delete.test");
const ROUNDS = 10;

describe.runIf(!missing)("an author's delete and a moderator's decision through two processes at once", () => {
  const servers = twoProcesses();
  const rng = seeded("relay-author-delete");
  console.log(`[relay-author-delete.test] jitter from seed ${rng.seed}`);
  const atOnce = atOnceWithJitter(rng);

  type Case = {
    name: string;
    moderation: "open" | "pre";
    create: Record<string, unknown>;
    action: "publish" | "hide" | "approve";
    /** What the annotation reads as once the decision is taken. */
    decided: string;
    /** Whether its author may still delete it once it is decided. */
    deletableAfter: boolean;
    /** Deleted through the W3C protocol rather than the REST API. */
    w3c?: boolean;
  };
  const cases: Case[] = [
    {
      name: "a publish of a fact-check in review",
      moderation: "open",
      create: { kind: "factcheck", body: "", status: "pending", factcheck: { claim: "c", verdict: "false", sources: [] } },
      action: "publish",
      decided: "published",
      deletableAfter: false,
    },
    { name: "a hide", moderation: "open", create: { kind: "comment", body: "Hide or delete me" }, action: "hide", decided: "hidden", deletableAfter: true },
    { name: "an approval", moderation: "pre", create: { kind: "comment", body: "Approve or delete me" }, action: "approve", decided: "published", deletableAfter: true },
  ];
  cases.push({ ...cases[0]!, name: "a publish of a fact-check in review, deleted through the W3C protocol,", w3c: true });

  it.each(cases.map((c) => [c.name, c] as const))("takes %s and the delete one after the other", async (_, c) => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], c.moderation);
    const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
    for (let round = 0; round < ROUNDS; round++) {
      const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, c.create);
      expect(posted.status).toBe(201);
      const id = posted.body!.id as string;
      // Both processes hold the document before the race, as they would with members reading it.
      expect((await call(servers.b, author, "GET", `/api/annotations/${id}`)).status).toBe(200);
      const [decision, deleted] = await atOnce(
        () => call(servers.a, mod, "POST", `/api/annotations/${id}/${c.action}`),
        () => call(servers.b, author, "DELETE", c.w3c ? `/w3c/articles/${article.id}/${id}` : `/api/annotations/${id}`),
      );
      const at = `round ${round}: ${c.action} ${decision.status}, delete ${deleted.status}`;
      expect([200, 404, 409, 410], at).toContain(decision.status);
      expect([204, 403, 404, 409, 410], at).toContain(deleted.status);
      // One of them comes first: a delete after the decision is refused unless the decided annotation may be deleted.
      if (decision.status === 200 && deleted.status === 204) expect(c.deletableAfter, at).toBe(true);
      expect(decision.status === 200 || deleted.status === 204, at).toBe(true);
      const entries = (await call(servers.a, owner, "GET", `/api/groups/${group.id}/moderation/log`)).body!.entries as { annotationId: string }[];
      expect(entries.filter((e) => e.annotationId === id), at).toHaveLength(decision.status === 200 ? 1 : 0);
      // What the delete took is gone on both processes, and stays gone once moves between documents are done.
      const expected = deleted.status === 204 ? [410, undefined] : [200, c.decided];
      for (const server of [servers.a, servers.b]) {
        await eventually(async () => {
          const read = await call(server, owner, "GET", `/api/annotations/${id}`);
          expect([read.status === 404 ? 410 : read.status, read.body?.status], at).toEqual(expected);
        }, 3_000);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const later = await call(servers.b, owner, "GET", `/api/annotations/${id}`);
      expect([later.status === 404 ? 410 : later.status, later.body?.status], `${at}, later`).toEqual(expected);
    }
  }, 180_000);

  it("refuses a live delete of a fact-check published through the other process before that reached it", async () => {
    const { owner, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], "open");
    const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
    const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, cases[0]!.create);
    const id = posted.body!.id as string;
    const live = servers.open(servers.b.url, article.sync.room, author.token);
    await eventually(() => expect(annotationsOf(live.doc).has(id)).toBe(true), 5_000);
    // With the relay down, the author's process keeps the fact-check as it was before the publish.
    await servers.withRelayDown(async () => {
      expect((await call(servers.a, mod, "POST", `/api/annotations/${id}/publish`)).status).toBe(200);
      live.doc.transact(() => annotationsOf(live.doc).delete(id));
      await eventually(() => expect(live.closes.length).toBeGreaterThan(0), 5_000);
    });
    for (const server of [servers.a, servers.b]) {
      await eventually(async () => {
        const read = await call(server, owner, "GET", `/api/annotations/${id}`);
        expect([read.status, read.body?.status]).toEqual([200, "published"]);
      }, 5_000);
    }
  }, 60_000);
});
