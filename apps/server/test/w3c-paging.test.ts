import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, type TestClient, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { holdBeforeQuery } from "./support/held-writes.ts";
import { assertW3CPage, comment, container, position, w3cRequests } from "./support/w3c.ts";

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.listen();
});
afterAll(() => t.close());

const { pathOf, postW3C } = w3cRequests(() => url);

/** `n` comments, one every ten code points from `from`, in text order: their IRIs. */
async function commentsAt(owner: TestClient, articleId: string, n: number, from = 0): Promise<string[]> {
  const iris: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await postW3C(owner, articleId, comment(`c${from + i}`, position(from + i * 10, from + i * 10 + 4)));
    expect(res.status).toBe(201);
    iris.push(res.body.id);
  }
  return iris;
}

/** Follows `next` from the first page, calling `between` after each page is read: the ids seen, in order. */
async function walkWhile(owner: TestClient, articleId: string, between: (step: number) => Promise<void>) {
  const seen: string[] = [];
  let next: string | undefined = `${container(articleId)}?page=0&limit=3`;
  for (let step = 0; next; step++) {
    const page = await owner.get(next.startsWith("http") ? pathOf(next) : next);
    expect(page.status).toBe(200);
    assertW3CPage(page.body);
    seen.push(...page.body.items.map((i: { id: string }) => i.id));
    next = page.body.next;
    await between(step);
  }
  return seen;
}

describe("walking a container by next while it changes", () => {
  it("skips no annotation when earlier ones are deleted mid-walk", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const iris = await commentsAt(owner, article.id, 9);
    const seen = await walkWhile(owner, article.id, async (step) => {
      // The first page's annotations go once it has been read: the rest must still all come.
      if (step === 0) for (const iri of iris.slice(0, 3)) expect((await owner.request("DELETE", pathOf(iri))).status).toBe(204);
    });
    expect(seen).toEqual(iris);
  }, 60_000);

  it("repeats no annotation when earlier ones are created mid-walk", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const iris = await commentsAt(owner, article.id, 9, 100);
    const seen = await walkWhile(owner, article.id, async (step) => {
      if (step === 0) await commentsAt(owner, article.id, 3, 0);
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(iris);
  });

  it("reads a page's total, links and items in one snapshot", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const iris = await commentsAt(owner, article.id, 4);
    // Held at the read of the page's items, if that read is a statement of its own: an annotation deleted
    // then must not be counted in the page's total while missing from its items.
    const held = holdBeforeQuery(t.database.db, /order by coalesce/i, () => owner.get(`${container(article.id)}?page=0&limit=10`));
    const first = await Promise.race([held.reached.then(() => "held" as const), held.answer.then(() => "answered" as const)]);
    if (first === "held") expect((await owner.request("DELETE", pathOf(iris[0]!))).status).toBe(204);
    held.release();
    const page = await held.answer;
    expect(page.status).toBe(200);
    expect(page.body.partOf.total).toBe(page.body.items.length);
  });

  it("keeps old numbered pages as offsets, and serves last as the page read from the end", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const iris = await commentsAt(owner, article.id, 5);
    const second = await owner.get(`${container(article.id)}?page=1&limit=2`);
    expect(second.status).toBe(200);
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual(iris.slice(2, 4));
    expect(second.body.startIndex).toBe(2);
    const top = await owner.get(`${container(article.id)}?limit=2`, { prefer: 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"' });
    const last = await owner.get(pathOf(top.body.last));
    expect(last.status).toBe(200);
    assertW3CPage(last.body);
    expect(last.body.items.map((i: { id: string }) => i.id)).toEqual(iris.slice(3));
    expect(last.body.startIndex).toBe(3);
    expect(last.body.next).toBeUndefined();
    const before = await owner.get(pathOf(last.body.prev));
    expect(before.body.items.map((i: { id: string }) => i.id)).toEqual(iris.slice(1, 3));
    expect(before.body.startIndex).toBe(1);
  });
});
