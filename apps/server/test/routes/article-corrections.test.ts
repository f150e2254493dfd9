import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
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
  return { owner, group, id: body.id as string };
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
    // The correction's answer (with `reanchored`, without the reader's rooms) is another body with a tag of
    // its own, which names the same state of the article: either one sent as If-Match lets a correction through.
    expect(put.headers.get("etag")).toMatch(/^"[^"]+"$/);
    expect(put.headers.get("etag")).not.toBe(second);
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

  it("tags each reader's answer as its own, moves the tag when their role changes, and answers If-None-Match with 304", async () => {
    const { owner, group, id } = await article();
    const reader = await signUp(t.app, "Reader");
    await addMember(owner, group.id, reader, "annotator");
    const owners = await owner.get(`/api/articles/${id}`);
    const readers = await reader.get(`/api/articles/${id}`);
    expect([owners.body.role, readers.body.role]).toEqual(["owner", "annotator"]);
    const tag = readers.headers.get("etag")!;
    expect(tag).toMatch(/^"[^"]+"$/);
    expect(tag).not.toBe(owners.headers.get("etag"));

    // The reader's own tag, strong or weak, is the answer they hold; the owner's is not.
    for (const held of [tag, `W/${tag}`, `"other", ${tag}`, "*"]) {
      const again = await reader.get(`/api/articles/${id}`, { "if-none-match": held });
      expect([again.status, again.headers.get("etag")], held).toEqual([304, tag]);
    }
    expect((await reader.get(`/api/articles/${id}`, { "if-none-match": owners.headers.get("etag")! })).status).toBe(200);
    expect((await reader.get(`/api/articles/${id}?revision=1`, { "if-none-match": tag })).status).toBe(304);

    // A demotion changes the answer's `role`, so the tag moves and the held copy is no longer current.
    expect((await owner.patch(`/api/groups/${group.id}/members/${readers.body.memberId}`, { role: "viewer" })).status).toBe(200);
    const demoted = await reader.get(`/api/articles/${id}`, { "if-none-match": tag });
    expect([demoted.status, demoted.body.role]).toEqual([200, "viewer"]);
    expect(demoted.headers.get("etag")).not.toBe(tag);
  });
});
