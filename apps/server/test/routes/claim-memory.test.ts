import { readFileSync } from "node:fs";
import { buildTarget } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

type Family = { published: string[]; queries: string[] };
const LABELLED = JSON.parse(readFileSync(new URL("../../../../fixtures/claims/paraphrases.json", import.meta.url), "utf8")) as { families: Family[] };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function deskWithClaims() {
  const { owner, group, article, members } = await articleWithMembers(t.app, ["annotator"]);
  const second = await owner.post(`/api/groups/${group.id}/articles`, `A second piece\n\n${SEED_ARTICLE.slice(0, 2000)}`, { "content-type": "text/plain" });
  const textOf = async (id: string) => (await owner.get(`/api/articles/${id}`)).body.text as string;
  const texts = new Map([[article.id, await textOf(article.id)], [second.body.id as string, await textOf(second.body.id)]]);
  const articleIds = [...texts.keys()];
  const factcheck = async (claim: string, verdict: string, i: number, who = owner, extra: Record<string, unknown> = {}) => {
    const articleId = articleIds[i % articleIds.length]!;
    const res = await who.post(`/api/articles/${articleId}/annotations`, {
      kind: "factcheck",
      target: buildTarget(texts.get(articleId)!, { start: 10 * (i % 50), end: 10 * (i % 50) + 8 }, 1),
      factcheck: { claim, verdict, sources: [{ url: "https://example.org/source" }] },
      ...extra,
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, status: res.body.status as string };
  };
  return { owner, member: members[0]!, group, factcheck };
}

describe("GET /api/groups/:groupId/claims/similar", () => {
  it("finds the desk's earlier checks of a reworded claim: precision@3 over a labelled set of paraphrases", async () => {
    const { owner, group, factcheck } = await deskWithClaims();
    const familyOf = new Map<string, number>();
    let i = 0;
    for (const [f, family] of LABELLED.families.entries()) {
      for (const claim of family.published) familyOf.set((await factcheck(claim, "mostly-true", i++)).id, f);
    }
    let relevantInTop3 = 0;
    let firstRight = 0;
    let queries = 0;
    for (const [f, family] of LABELLED.families.entries()) {
      for (const q of family.queries) {
        const res = await owner.get(`/api/groups/${group.id}/claims/similar?q=${encodeURIComponent(q)}`);
        expect(res.status).toBe(200);
        const top = (res.body.matches as Array<{ annotationId: string; score: number }>).slice(0, 3);
        relevantInTop3 += top.filter((m) => familyOf.get(m.annotationId) === f).length;
        if (top[0] && familyOf.get(top[0].annotationId) === f) firstRight++;
        queries++;
      }
    }
    const precisionAt3 = relevantInTop3 / (queries * 3);
    console.log(`[claim memory] ${queries} queries over ${familyOf.size} published claims: precision@3 ${precisionAt3.toFixed(3)}, best match right ${firstRight}/${queries}`);
    expect(precisionAt3).toBeGreaterThanOrEqual(0.6);
    expect(firstRight / queries).toBeGreaterThanOrEqual(0.8);
  });

  it("answers best first with the documented fields, at most 10, published group fact-checks only", async () => {
    const { owner, member, group, factcheck } = await deskWithClaims();
    const published = await factcheck("Iran has supplied Russia with drones.", "true", 0);
    for (let n = 1; n <= 12; n++) await factcheck(`Iran supplied Russia with drones, report ${n}.`, "mostly-true", n);
    await factcheck("Iran has supplied Russia with drones privately noted.", "false", 20, owner, { visibility: "private" });
    const res = await member.get(`/api/groups/${group.id}/claims/similar?q=${encodeURIComponent("Iran has supplied Russia with drones")}`);
    expect(res.status).toBe(200);
    const matches = res.body.matches as Array<{ annotationId: string; articleId: string; claim: string; verdict: string; score: number }>;
    expect(matches).toHaveLength(10);
    expect(matches[0]).toMatchObject({ annotationId: published.id, claim: "Iran has supplied Russia with drones.", verdict: "true" });
    expect(Object.keys(matches[0]!).sort()).toEqual(["annotationId", "articleId", "claim", "score", "verdict"]);
    for (let k = 1; k < matches.length; k++) expect(matches[k - 1]!.score).toBeGreaterThanOrEqual(matches[k]!.score);
    expect(matches.some((m) => m.claim.includes("privately"))).toBe(false);

    // An annotator's own check is pending, not published: not yet part of the desk's memory.
    const pending = await factcheck("Iran has supplied Russia with drones, says the annotator.", "true", 30, member);
    expect(pending.status).not.toBe("published");
    const again = await member.get(`/api/groups/${group.id}/claims/similar?q=${encodeURIComponent("Iran has supplied Russia with drones")}`);
    expect(again.body.matches.map((m: { annotationId: string }) => m.annotationId)).not.toContain(pending.id);

    // Nor is an assignee's verdict reply, published at once in an open group: an answer, not the desk's verdict.
    const reply = await member.post(`/api/annotations/${published.id}/replies`, { factcheck: { claim: "Iran has supplied Russia with drones, in reply.", verdict: "false", sources: [] } });
    expect(reply.status).toBe(201);
    expect(reply.body.status).toBe("published");
    const third = await member.get(`/api/groups/${group.id}/claims/similar?q=${encodeURIComponent("Iran has supplied Russia with drones")}`);
    expect(third.body.matches.map((m: { annotationId: string }) => m.annotationId)).not.toContain(reply.body.id);
  });

  it("reads claims as search does: without accents or vowel marks, in either Unicode form, a claim written with them", async () => {
    const { owner, group, factcheck } = await deskWithClaims();
    const accented = await factcheck("Le caf\u00e9 de T\u00e9h\u00e9ran a ferm\u00e9 apr\u00e8s les sanctions.", "true", 0);
    // Persian with short vowels (fatha, kasra) and a zero-width non-joiner, as a careful writer types it.
    const voweled = await factcheck("\u0627\u06cc\u0631\u0627\u0646 \u0628\u064e\u0647 \u0631\u0648\u0633\u06cc\u0647 \u067e\u0647\u067e\u0627\u062f \u0645\u06cc\u200c\u0641\u0631\u0648\u0634\u062f", "false", 1);
    const best = async (q: string) => {
      const res = await owner.get(`/api/groups/${group.id}/claims/similar?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      return (res.body.matches as Array<{ annotationId: string; score: number }>)[0];
    };
    // Left-out marks cost nothing: the query scores as the claim written out in full does.
    const full = await best("Le caf\u00e9 de T\u00e9h\u00e9ran a ferm\u00e9 apr\u00e8s les sanctions.");
    expect(full?.annotationId).toBe(accented.id);
    expect(await best("le cafe de teheran a ferme apres les sanctions.")).toEqual(full);
    expect(await best("Le cafe\u0301 de Te\u0301he\u0301ran a ferme\u0301 apre\u0300s les sanctions.")).toEqual(full);
    // Typed with Arabic yeh, no vowels and no joiner.
    const persian = await best("\u0627\u06cc\u0631\u0627\u0646 \u0628\u064e\u0647 \u0631\u0648\u0633\u06cc\u0647 \u067e\u0647\u067e\u0627\u062f \u0645\u06cc\u200c\u0641\u0631\u0648\u0634\u062f");
    expect(persian?.annotationId).toBe(voweled.id);
    expect(await best("\u0627\u064a\u0631\u0627\u0646 \u0628\u0647 \u0631\u0648\u0633\u064a\u0647 \u067e\u0647\u067e\u0627\u062f \u0645\u064a\u0641\u0631\u0648\u0634\u062f")).toEqual(persian);
  });

  it("refuses queries that are too short or too long (400 naming q), and outsiders (404)", async () => {
    const { owner, group } = await deskWithClaims();
    for (const q of ["", "ab", "x".repeat(501)]) {
      const res = await owner.get(`/api/groups/${group.id}/claims/similar?q=${q}`);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe("q");
    }
    const outsider = await signUp(t.app, "Outsider");
    expect((await outsider.get(`/api/groups/${group.id}/claims/similar?q=drones`)).status).toBe(404);
  });
});
