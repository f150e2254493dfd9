import { buildTarget } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { addMember, createGroup, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { liveServer } from "../support/live.ts";

const live = liveServer();
type Person = Awaited<ReturnType<typeof signUp>>;

const A = { start: 100, end: 160 };
const B = { start: 400, end: 460 };
const C = { start: 800, end: 860 };

async function reviewDesk() {
  const app = live.t.app;
  const [owner, moderator, first, second, third] = (await Promise.all(
    ["Owner", "Moderator", "First", "Second", "Third"].map((n) => signUp(app, n)),
  )) as [Person, Person, Person, Person, Person];
  const group = await createGroup(owner, "Agreement desk", "pre");
  for (const [who, role] of [[moderator, "moderator"], [first, "annotator"], [second, "annotator"], [third, "annotator"]] as const) {
    await addMember(owner, group.id, who, role);
  }
  const imported = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, { "content-type": "text/plain" });
  const articleId = imported.body.id as string;
  // Targets quote the article as imported (its text, not the fixture file's bytes).
  const text = (await owner.get(`/api/articles/${articleId}`)).body.text as string;
  const check = async (who: Person, range: { start: number; end: number }, verdict: string) => {
    const res = await who.post(`/api/articles/${articleId}/annotations`, {
      kind: "factcheck",
      target: buildTarget(text, range, 1),
      factcheck: { claim: `Claim at ${range.start}`, verdict, sources: [{ url: "https://example.org/source" }] },
    });
    expect(res.status).toBe(201);
  };
  return { owner, moderator, first, second, third, articleId, check };
}

describe("GET /api/articles/:articleId/agreement", () => {
  it("gives Krippendorff's ordinal alpha over passages, matching the values worked by hand", async () => {
    const { owner, moderator, first, second, third, articleId, check } = await reviewDesk();
    await check(first, A, "false");
    await check(second, A, "false");
    await check(third, A, "mostly-false");
    await check(moderator, A, "unverifiable"); // not on the scale: left out
    await check(first, B, "true");
    await check(second, B, "false");
    await check(third, C, "mixed"); // judged once: nothing to agree with

    // Ranks false 0, mostly-false 1, true 5. Units A = [0, 0, 1], B = [5, 0].
    // Coincidences o00 = 1, o01 = o10 = 1, o05 = o50 = 1; n0 = 3, n1 = 1, n5 = 1, n = 5.
    // Ordinal delta²: (0,1) = ((3 + 1) / 2)² = 4, (0,5) = (5 - 2)² = 9, (1,5) = (2 - 1)² = 1.
    // D_o = (4 + 4 + 9 + 9) / 5 = 5.2; D_e = 2 (3·1·4 + 3·1·9 + 1·1·1) / (5·4) = 4; alpha = 1 - 5.2 / 4 = -0.3.
    // A alone: D_o = (4 + 4) / 3, alpha = 1 - (8/3) / 4 = 0.3333; B alone: D_o = 18 / 2 = 9, alpha = 1 - 9 / 4 = -1.25.
    const res = await moderator.get(`/api/articles/${articleId}/agreement`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect(res.body.overall).toEqual({ alpha: -0.3, passages: 2, reviewers: 3 });
    expect(res.body.passages).toEqual([
      { start: A.start, end: A.end, revision: 1, reviewers: 3, alpha: 0.3333, verdicts: { false: 2, "mostly-false": 1 } },
      { start: B.start, end: B.end, revision: 1, reviewers: 2, alpha: -1.25, verdicts: { true: 1, false: 1 } },
    ]);
    expect((await owner.get(`/api/articles/${articleId}/agreement`)).status).toBe(200);
  });

  it("is for moderators and owners: an annotator gets 403, an outsider 404; with nothing to compare alpha is null", async () => {
    const { first, articleId } = await reviewDesk();
    const outsider = await signUp(live.t.app, "Outsider");
    expect((await first.get(`/api/articles/${articleId}/agreement`)).status).toBe(403);
    expect((await outsider.get(`/api/articles/${articleId}/agreement`)).status).toBe(404);
    const { moderator, articleId: empty } = await reviewDesk();
    expect((await moderator.get(`/api/articles/${empty}/agreement`)).body).toEqual({ overall: { alpha: null, passages: 0, reviewers: 0 }, passages: [] });
  });
});
