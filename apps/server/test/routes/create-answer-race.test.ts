import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "../support/app.ts";
import { holdBeforeQuery } from "../support/held-writes.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.stop();
});

describe("the answer to an import", () => {
  it("is the revision it stored, even when a correction commits before the answer is read", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    // Held at the answer's read of the article, after the import's commit.
    const held = holdBeforeQuery(t.database.db, /from "articles" where "articles"."id" = \$1$/, () =>
      owner.post(`/api/groups/${group.id}/articles?title=T`, "First text of the article.", { "content-type": "text/plain" }),
    );
    await held.reached;
    const [listed] = (await owner.get(`/api/groups/${group.id}/articles`)).body.articles as { id: string }[];
    const corrected = await owner.put(`/api/articles/${listed!.id}/text`, "A wholly different second text.", { "content-type": "text/plain" });
    expect(corrected.body.revision).toBe(2);
    held.release();
    const created = await held.answer;
    expect(created.status).toBe(201);
    const first = await owner.get(`/api/articles/${listed!.id}?revision=1`);
    expect(created.body).toMatchObject({ revision: 1, text: "First text of the article.", contentHash: first.body.contentHash });
    // The article's state in the tag is revision 1's (services/articles.ts, `articleTag`); after the dot, the rest of
    // each answer, which differs: the import's answer carries no reader's role or rooms.
    const state = (tag: string | null) => tag?.split(".")[0];
    expect(state(created.headers.get("etag"))).toBe(state(first.headers.get("etag")));
    expect(state(created.headers.get("etag"))).not.toBe(state((await owner.get(`/api/articles/${listed!.id}`)).headers.get("etag")));
  });
});
