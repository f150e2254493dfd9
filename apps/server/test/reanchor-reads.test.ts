import { createAnnotation, parseRoom } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REANCHOR_WAIT_MS, anchoredReadWait } from "../src/anchoring/anchored-reads.ts";
import { contextFor } from "../src/documents/context.ts";
import { ShuttingDown } from "../src/sync/shutdown.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers, targetOn } from "./support/article.ts";
import { LD, container } from "./support/w3c.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  anchoredReadWait.ms = 60_000;
});
afterAll(async () => {
  anchoredReadWait.ms = REANCHOR_WAIT_MS;
  await t.close();
});

const QUOTE = "the West is so sensitive about any cooperation";
/** More than one slice of moves (anchoring/reanchor.ts, APPLY_SLICE), so that a correction can stop between slices. */
const COUNT = 130;

/** Fails every hub.change from the `from`-th on, as a stop would, until restored. */
function changesFailFrom(from: number) {
  const real = t.hub.change.bind(t.hub);
  let calls = 0;
  return vi.spyOn(t.hub, "change").mockImplementation((...args: Parameters<typeof real>) => (++calls >= from ? Promise.reject(new ShuttingDown()) : real(...args)));
}

/**
 * An article with COUNT annotations on one passage, corrected by a request that stopped after its first slice of
 * moves: the revision is committed, some annotations are on it and the rest still on the old text.
 */
async function correctionHalfDone() {
  const d = await articleWithMembers(t.app, []);
  const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
  const context = contextFor(parseRoom(d.article.sync.room)!, d.group.id, 1);
  await t.hub.change(context, { userId: null }, (doc) => {
    for (let i = 0; i < COUNT; i++) createAnnotation(doc, { kind: "comment", authorId: d.owner.user.id, body: `note ${i}`, target: targetOn(text, QUOTE) });
  });
  const revised = `A correction note was added here at the top of the article.\n\n${text}`;
  // The first change reads the targets, the second moves the first slice, the third fails.
  const stopping = changesFailFrom(3);
  try {
    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, revised, { "content-type": "text/plain" });
    expect(put.status).toBe(503);
  } finally {
    stopping.mockRestore();
  }
  return { d, revised: Array.from(revised) };
}

describe("reads of an article whose correction is still moving its annotations", () => {
  it("answer on the revision they name, every annotation on it, once the moves are done", async () => {
    const { d } = await correctionHalfDone();
    const highlights = await d.owner.get(`/api/articles/${d.article.id}/highlights`);
    expect(highlights.status).toBe(200);
    expect(highlights.body.revision).toBe(2);
    expect(highlights.body.highlights).toHaveLength(COUNT);
    const list = await d.owner.get(`/api/articles/${d.article.id}/annotations?limit=200`);
    expect(list.status).toBe(200);
    expect(new Set(list.body.annotations.map((a: { target: { revision: number } }) => a.target.revision))).toEqual(new Set([2]));
  }, 90_000);

  it("serve W3C positions on the article as it now reads", async () => {
    const { d, revised } = await correctionHalfDone();
    const page = await d.owner.get(`${container(d.article.id)}?page=0&limit=200`, { accept: LD });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(COUNT);
    for (const item of page.body.items as { target: { selector: { type: string; start: number; end: number; exact: string }[] } }[]) {
      const at = item.target.selector.find((s) => s.type === "TextPositionSelector")!;
      expect(revised.slice(at.start, at.end).join("")).toBe(QUOTE);
    }
  }, 90_000);

  it("include the group's list, across its articles, on every article's current revision", async () => {
    const { d } = await correctionHalfDone();
    const list = await d.owner.get(`/api/groups/${d.group.id}/annotations?limit=200`);
    expect(list.status).toBe(200);
    expect(list.body.annotations).toHaveLength(COUNT);
    expect(new Set(list.body.annotations.map((a: { target: { revision: number } }) => a.target.revision))).toEqual(new Set([2]));
  }, 90_000);

  it("include an export, of the article or of its group, which waits as they do", async () => {
    for (const path of ["articles", "groups"] as const) {
      const { d, revised } = await correctionHalfDone();
      const exported = await d.owner.get(`/api/${path}/${path === "articles" ? d.article.id : d.group.id}/export?format=w3c`);
      expect(exported.status).toBe(200);
      const items = (exported.body.items ?? exported.body.first?.items) as { target: { selector: { type: string; start: number; end: number }[] } }[];
      expect(items).toHaveLength(COUNT);
      for (const item of items) {
        const at = item.target.selector.find((s) => s.type === "TextPositionSelector")!;
        expect(revised.slice(at.start, at.end).join("")).toBe(QUOTE);
      }
    }
  }, 180_000);

  it("answer 503 with Retry-After, naming the reason, when the moves cannot be finished in time", async () => {
    const { d } = await correctionHalfDone();
    const stopping = changesFailFrom(1);
    try {
      const highlights = await d.owner.get(`/api/articles/${d.article.id}/highlights`);
      expect(highlights.status).toBe(503);
      expect(highlights.body.error.code).toBe("reanchoring");
      expect(Number(highlights.headers.get("retry-after"))).toBeGreaterThan(0);
      // A failure does not start again for every read: the next ones answer at once, moving nothing.
      const tried = stopping.mock.calls.length;
      expect(tried).toBeGreaterThan(0);
      for (const path of ["highlights", "annotations", "export?format=csv"]) expect((await d.owner.get(`/api/articles/${d.article.id}/${path}`)).status).toBe(503);
      // The group's listing spans other articles: it serves this one's rows as they stand rather than fail whole.
      const group = await d.owner.get(`/api/groups/${d.group.id}/annotations?limit=200`);
      expect(group.status).toBe(200);
      const listed = await d.owner.get(`/api/articles/${d.article.id}/annotations?limit=200`);
      expect(listed.status).toBe(503);
      expect((group.body.annotations as { articleId: string }[]).filter((a) => a.articleId === d.article.id).length).toBeGreaterThan(0);
      expect((await d.owner.get(`/api/groups/${d.group.id}/annotations?kind=highlight`)).status).toBe(200);
      expect(stopping.mock.calls.length).toBe(tried);
    } finally {
      stopping.mockRestore();
    }
  }, 90_000);
});
