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
});
