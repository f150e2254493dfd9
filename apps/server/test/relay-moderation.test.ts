import { buildTarget } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { articleWithMembers } from "./support/article.ts";
import { SEED_ARTICLE } from "./support/fixtures.ts";
import type { ServerProcess } from "./support/process.ts";
import { callProcess, twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * Two moderators deciding one submission through two processes at once: each process orders its own
 * decisions, and only the database orders them between processes (docs/architecture.md, "The policy").
 */
const missing = twoProcessesMissing("relay-moderation.test");
const ROUNDS = 12;

describe.runIf(!missing)("moderation decisions across two server processes", () => {
  const servers = twoProcesses();
  const call = callProcess;

  it.each([
    ["two approvals", "approve"],
    ["an approval and a rejection", "reject"],
  ] as const)("takes one of %s, answers the other 409 and loses nothing", async (_, second) => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator", "moderator"], "pre");
    const [author, mod] = members as [(typeof members)[0], (typeof members)[0]];
    for (let round = 0; round < ROUNDS; round++) {
      const posted = await call(servers.a, author, "POST", `/api/articles/${article.id}/annotations`, { kind: "comment", body: `Decide me once (${round})` });
      expect(posted.status).toBe(201);
      const id = posted.body!.id as string;
      const decide = (server: ServerProcess, who: { cookie?: string }, action: "approve" | "reject") =>
        call(server, who, "POST", `/api/annotations/${id}/${action}`, action === "reject" ? { reason: "No" } : undefined);
      const answers = await Promise.all([decide(servers.a, owner, "approve"), decide(servers.b, mod, second)]);
      expect(answers.map((a) => (a.status < 300 ? "done" : a.status)).sort(), `round ${round}`).toEqual([409, "done"]);
      const entries = (await call(servers.a, owner, "GET", `/api/groups/${group.id}/moderation/log`)).body!.entries as { annotationId: string; newStatus: string }[];
      const logged = entries.filter((e) => e.annotationId === id);
      expect(logged, `round ${round}`).toHaveLength(1);
      const kept = await call(servers.a, author, "GET", `/api/annotations/${id}`);
      expect([kept.status, kept.body?.status], `round ${round}`).toEqual([200, logged[0]!.newStatus]);
    }
  }, 90_000);

  it("reveals a passage's reviews once when its quorum is approved through both processes at once", async () => {
    const { owner, group, article, members } = await articleWithMembers(servers.t.app, ["annotator", "annotator", "moderator"], "pre");
    const [first, other, mod] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    expect((await call(servers.a, owner, "PATCH", `/api/groups/${group.id}`, { reviewQuorum: 2 })).status).toBe(200);
    for (let round = 0; round < ROUNDS; round++) {
      const range = { start: 10 + round * 30, end: 25 + round * 30 };
      const check = async (who: { cookie?: string }) => {
        const res = await call(servers.a, who, "POST", `/api/articles/${article.id}/annotations`, {
          kind: "factcheck",
          body: "Notes",
          target: buildTarget(SEED_ARTICLE, range, 1),
          factcheck: { claim: `claim ${round}`, verdict: "false", sources: [{ url: "https://example.org/source" }] },
        });
        expect(res.body).toMatchObject({ visibility: "private", status: "pending" });
        return res.body!.id as string;
      };
      const ids = [await check(first), await check(other)];
      const answers = await Promise.all([
        call(servers.a, owner, "POST", `/api/annotations/${ids[0]}/approve`),
        call(servers.b, mod, "POST", `/api/annotations/${ids[1]}/approve`),
      ]);
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([200, 409]);
      const entries = (await call(servers.a, owner, "GET", `/api/groups/${group.id}/moderation/log`)).body!.entries as { annotationId: string; action: string }[];
      for (const id of ids) {
        const kept = await call(servers.a, owner, "GET", `/api/annotations/${id}`);
        expect([kept.status, kept.body?.status], `round ${round}`).toEqual([200, "published"]);
        expect(entries.filter((e) => e.annotationId === id).map((e) => e.action), `round ${round}`).toEqual(["approve"]);
      }
    }
  }, 90_000);
});
