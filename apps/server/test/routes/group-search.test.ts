import { buildTarget } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A group with two articles, each with comments by the owner and a member. */
async function twoArticles() {
  const { owner, group, article, members } = await articleWithMembers(t.app, ["annotator"]);
  const second = await owner.post(`/api/groups/${group.id}/articles`, `A second piece\n\nSanctions on oil exports were tightened again.`, { "content-type": "text/plain" });
  expect(second.status).toBe(201);
  const comment = async (who: typeof owner, articleId: string, text: string, body: string, extra: Record<string, unknown> = {}) => {
    const res = await who.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body, target: buildTarget(text, { start: 0, end: 10 }, 1), ...extra });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  return { owner, member: members[0]!, group, first: article.id, second: second.body.id as string, comment };
}

describe("GET /api/groups/:groupId/annotations", () => {
  it("searches every article of the group, naming each item's article, newest first", async () => {
    const { owner, member, group, first, second, comment } = await twoArticles();
    const secondText = (await owner.get(`/api/articles/${second}`)).body.text as string;
    const firstText = (await owner.get(`/api/articles/${first}`)).body.text as string;
    const a = await comment(owner, first, firstText, "Sanctions are the first lever");
    const b = await comment(member, second, secondText, "Which sanctions, exactly?");
    const c = await comment(member, second, secondText, "Unrelated remark on style");

    const all = await member.get(`/api/groups/${group.id}/annotations`);
    expect(all.status).toBe(200);
    expect(all.body.annotations.map((x: { id: string }) => x.id)).toEqual([c, b, a]);
    expect(all.body.annotations.map((x: { articleId: string }) => x.articleId)).toEqual([second, second, first]);

    const found = await member.get(`/api/groups/${group.id}/annotations?q=sanctions`);
    expect(found.body.annotations.map((x: { id: string }) => x.id).sort()).toEqual([a, b].sort());

    const mine = await owner.get(`/api/groups/${group.id}/annotations?author=${all.body.annotations[0].author.id}`);
    expect(mine.body.annotations.map((x: { id: string }) => x.id)).toEqual([c, b]);

    // And the API's document says so.
    const spec = (await owner.get("/api/openapi.json")).body;
    const sort = spec.paths["/api/groups/{groupId}/annotations"].get.parameters.find((p: { name: string }) => p.name === "sort");
    expect(sort.schema.default).toBe("created");
  });

  it("pages with a cursor without repeating or skipping, across articles", async () => {
    const { owner, group, first, second, comment } = await twoArticles();
    const secondText = (await owner.get(`/api/articles/${second}`)).body.text as string;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await comment(owner, i % 2 ? second : first, i % 2 ? secondText : SEED_ARTICLE, `note ${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { annotations: { id: string }[]; nextCursor: string | null } } = await owner.get(
        `/api/groups/${group.id}/annotations?sort=created&order=asc&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.annotations.map((x) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("shows what each caller may see: no one else's private notes, nothing to outsiders, 400 for bad filters", async () => {
    const { owner, member, group, first, comment } = await twoArticles();
    await comment(owner, first, SEED_ARTICLE, "Owner's private note", { visibility: "private" });
    expect((await member.get(`/api/groups/${group.id}/annotations`)).body.annotations).toEqual([]);
    expect((await owner.get(`/api/groups/${group.id}/annotations`)).body.annotations).toHaveLength(1);
    const outsider = await signUp(t.app, "Outsider");
    expect((await outsider.get(`/api/groups/${group.id}/annotations`)).status).toBe(404);
    const bad = await owner.get(`/api/groups/${group.id}/annotations?kind=poem`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("kind");
  });
});
