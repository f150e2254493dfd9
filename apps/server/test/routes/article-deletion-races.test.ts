import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { holdBeforeQuery } from "../support/held-writes.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const TEXT = { "content-type": "text/plain; charset=utf-8" };
const TARGET = { revision: 1, exact: "July 2022", prefix: "", suffix: "" };

describe("writes racing an article's deletion", () => {
  it("answer 404 or 410, never 422 or 503, and log no error", async () => {
    const errors = vi.spyOn(t.logger, "error");
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    const seen = new Map<string, number[]>();
    for (let round = 0; round < 12; round++) {
      const { body: article } = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, TEXT);
      const root = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "root", target: TARGET });
      expect(root.status).toBe(201);
      const writes: (readonly [string, () => Promise<{ status: number }>])[] = [
        ...[0, 1, 2, 3].map((n) => ["annotate", () => owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: `a${n}`, target: TARGET })] as const),
        ...[0, 1].map((n) => ["private", () => owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: `p${n}`, target: TARGET, visibility: "private" })] as const),
        ...[0, 1, 2].map((n) => ["reply", () => owner.post(`/api/annotations/${root.body.id}/replies`, { body: `r${n}` })] as const),
        ["correct", () => owner.put(`/api/articles/${article.id}/text`, `${SEED_ARTICLE}\n\nRound ${round}.`, TEXT)],
      ];
      // The deletion starts after a few of the writes, in a place that moves from round to round.
      const at = round % (writes.length + 1);
      const running = writes.map(([kind, write], i) => ({ kind, answer: i === at ? owner.delete(`/api/articles/${article.id}`).then(() => write()) : write() }));
      const deletion = writes.length === at ? owner.delete(`/api/articles/${article.id}`) : null;
      for (const { kind, answer } of running) {
        const { status } = await answer;
        seen.set(kind, [...(seen.get(kind) ?? []), status]);
      }
      if (deletion) expect((await deletion).status).toBe(204);
      expect((await owner.get(`/api/articles/${article.id}`)).status).toBe(404);
    }
    for (const [kind, statuses] of seen) {
      expect(statuses.filter((s) => ![200, 201, 404, 410].includes(s)), kind).toEqual([]);
    }
    expect(errors.mock.calls.map((args: unknown[]) => JSON.stringify(args).slice(0, 300))).toEqual([]);
    errors.mockRestore();
  });

  // The annotation replied to is named by the path: once its access was decided, the reply looks its thread
  // up again, and an article deleted in that gap was answered 400, as if the body had named a wrong parent.
  it.each(["article", "annotation"] as const)("a reply whose %s is deleted after its access was decided answers as for that path", async (deleted) => {
    const owner = await signUp(t.app, "Replier");
    const group = await createGroup(owner, "Desk");
    const { body: article } = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, TEXT);
    const root = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "root", target: TARGET });
    expect(root.status).toBe(201);
    const held = holdBeforeQuery(t.database.db, /^select "status", "parent_id" from "annotations"/, () => owner.post(`/api/annotations/${root.body.id}/replies`, { body: "late" }));
    const first = await Promise.race([held.reached.then(() => "held" as const), held.answer.then(() => "answered" as const)]);
    expect(first).toBe("held");
    const deletion = deleted === "article" ? await owner.delete(`/api/articles/${article.id}`) : await owner.delete(`/api/annotations/${root.body.id}`);
    expect(deletion.status).toBe(204);
    held.release();
    const reply = await held.answer;
    expect({ status: reply.status, code: reply.body.error?.code }).toEqual(deleted === "article" ? { status: 404, code: "not_found" } : { status: 410, code: "gone" });
  });
});
