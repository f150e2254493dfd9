import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "../support/app.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const TEXT = { "content-type": "text/plain; charset=utf-8" };

async function article() {
  const owner = await signUp(t.app, "Owner");
  const group = await createGroup(owner, "Desk");
  const { body } = await owner.post(`/api/groups/${group.id}/articles`, SEED_ARTICLE, TEXT);
  return { owner, id: body.id as string };
}

describe("article corrections: If-Match", () => {
  it("sends a strong ETag that moves with each revision and with a new title", async () => {
    const { owner, id } = await article();
    const first = await owner.get(`/api/articles/${id}`);
    const tag = first.headers.get("etag");
    expect(tag).toMatch(/^"[^"]+"$/);
    expect((await owner.get(`/api/articles/${id}`)).headers.get("etag")).toBe(tag);

    const put = await owner.put(`/api/articles/${id}/text`, `${SEED_ARTICLE}\n\nA correction.`, { ...TEXT, "if-match": tag! });
    expect(put.status).toBe(201);
    const second = (await owner.get(`/api/articles/${id}`)).headers.get("etag");
    expect(second).toMatch(/^"[^"]+"$/);
    expect(second).not.toBe(tag);
    expect(put.headers.get("etag")).toBe(second);
    // The old revision read again is another representation, with a tag of its own.
    expect((await owner.get(`/api/articles/${id}?revision=1`)).headers.get("etag")).not.toBe(second);

    const retitled = await owner.put(`/api/articles/${id}/text`, { format: "text", title: "Retitled", content: `${SEED_ARTICLE}\n\nA correction.` }, { "if-match": second! });
    expect([retitled.status, retitled.body.title]).toEqual([200, "Retitled"]);
    expect((await owner.get(`/api/articles/${id}`)).headers.get("etag")).not.toBe(second);
  });

  it("refuses a stale, made-up or weak If-Match with 412 and stores nothing; without one, or with *, it writes", async () => {
    const { owner, id } = await article();
    const stale = (await owner.get(`/api/articles/${id}`)).headers.get("etag")!;
    expect((await owner.put(`/api/articles/${id}/text`, `${SEED_ARTICLE}\n\nOne.`, TEXT)).status).toBe(201);
    for (const ifMatch of [stale, '"made-up"', `W/${(await owner.get(`/api/articles/${id}`)).headers.get("etag")}`]) {
      const refused = await owner.put(`/api/articles/${id}/text`, `${SEED_ARTICLE}\n\nTwo.`, { ...TEXT, "if-match": ifMatch });
      expect([refused.status, refused.body.error?.code]).toEqual([412, "precondition_failed"]);
    }
    expect((await owner.get(`/api/articles/${id}`)).body.revision).toBe(2);
    const star = await owner.put(`/api/articles/${id}/text`, `${SEED_ARTICLE}\n\nThree.`, { ...TEXT, "if-match": "*" });
    expect([star.status, star.body.revision]).toEqual([201, 3]);
    const listed = await owner.put(`/api/articles/${id}/text`, `${SEED_ARTICLE}\n\nFour.`, { ...TEXT, "if-match": `"other", ${star.headers.get("etag")}` });
    expect([listed.status, listed.body.revision]).toEqual([201, 4]);
  });

  it("lets exactly one of several corrections sent at once with one ETag through", async () => {
    const { owner, id } = await article();
    for (let round = 0; round < 5; round++) {
      const tag = (await owner.get(`/api/articles/${id}`)).headers.get("etag")!;
      const before = (await owner.get(`/api/articles/${id}`)).body.revision as number;
      const answers = await Promise.all(
        [0, 1, 2].map((n) => owner.put(`/api/articles/${id}/text`, `${SEED_ARTICLE}\n\nRound ${round}, correction ${n}.`, { ...TEXT, "if-match": tag })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 412, 412]);
      expect((await owner.get(`/api/articles/${id}`)).body.revision).toBe(before + 1);
    }
  });
});
