import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { addMember, groupWithSeedArticle, openReader, selectWithMouse, signUpApi, threadCard } from "./support/flows.ts";

/** A short Persian article of our own, with joined letters, zero-width non-joiners, a shadda and Persian digits. */
const PERSIAN = readFileSync(new URL("../../../fixtures/articles/persian-bread-prices.txt", import.meta.url), "utf8");
const PHRASE = "قیمت نان سنگک در یک سال سه برابر";

announceSkip("right-to-left articles");

/** Rectangles, rounded to a tenth of a pixel, of what a range covers. */
type Rect = { x: number; y: number; w: number; h: number };

/** The rectangles of every range one highlight layer paints, and the text under them. */
function painted(page: Page, layer: string): Promise<Array<{ text: string; rects: Rect[] }>> {
  return page.evaluate((name) => {
    const round = (r: DOMRect) => ({ x: Math.round(r.x * 10) / 10, y: Math.round(r.y * 10) / 10, w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10 });
    return [...(CSS.highlights.get(name) ?? [])].map((r) => {
      const range = document.createRange();
      range.setStart(r.startContainer, r.startOffset);
      range.setEnd(r.endContainer, r.endOffset);
      return { text: range.toString(), rects: [...range.getClientRects()].map(round) };
    });
  }, layer);
}

/** The rectangles of the first place `quote` occurs in the article's text, found without the app's help. */
function quoteRects(page: Page, quote: string): Promise<Rect[]> {
  return page.evaluate((needle) => {
    const round = (r: DOMRect) => ({ x: Math.round(r.x * 10) / 10, y: Math.round(r.y * 10) / 10, w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10 });
    for (const el of document.querySelectorAll<HTMLElement>("article [data-block]")) {
      const node = el.firstChild as Text;
      const at = node.data.indexOf(needle);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      return [...range.getClientRects()].map(round);
    }
    throw new Error(`not in the article: ${needle}`);
  }, quote);
}

const codePoints = (s: string) => [...s].length;

describe.skipIf(skipBrowserSuites)("a Persian article, in Chromium", () => {
  const suite = chromiumSuite();

  it("reads right-to-left; mouse, keyboard and a peer's selection sit on their quotes; search finds Persian words", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const b = await newUserPage(suite.browser);
    const mina = await signUpApi(a.context, base, "Mina");
    const reza = await signUpApi(b.context, base, "Reza");
    const group = await (await a.context.request.post(`${base}/api/groups`, { data: { name: `Persian desk ${Date.now()}` } })).json();
    await addMember(a.context, base, group.id, { context: b.context, email: reza.email, role: "annotator" });
    const imported = await a.context.request.post(`${base}/api/groups/${group.id}/articles`, { data: { format: "text", content: PERSIAN } });
    expect(imported.status()).toBe(201);
    const article = await imported.json();
    expect(article.title).toBe("قیمت نان در شهرهای کوچک؛ آنچه آمارها می‌گویند");
    for (const page of [a.page, b.page]) {
      await page.goto(`${base}/articles/${article.id}`);
      await page.getByRole("heading", { level: 1, name: article.title }).waitFor();
      await page.getByRole("status", { name: "Saved" }).waitFor();
    }

    // The article and each of its blocks lay out right-to-left; the sidebar stays as the interface is.
    const directions = await a.page.evaluate(() => ({
      article: getComputedStyle(document.querySelector("article.article")!).direction,
      blocks: [...document.querySelectorAll("article [data-block]")].map((el) => getComputedStyle(el).direction),
      sidebar: getComputedStyle(document.querySelector(".sidebar")!).direction,
    }));
    expect(directions.article).toBe("rtl");
    expect(new Set(directions.blocks)).toEqual(new Set(["rtl"]));
    expect(directions.sidebar).toBe("ltr");

    // With the mouse: press on the phrase's first letter (at its right), release on its last (at its left).
    await selectWithMouse(a.page, PHRASE);
    // Reza sees Mina's selection painted exactly over the phrase. Presence is sent while the drag is
    // still under way, so the layer first shows part of the phrase: wait for the selection as released.
    const peerLayer = async () => (await b.page.evaluate(() => [...CSS.highlights.keys()])).find((k) => k.startsWith("mg-peer-"));
    await expect.poll(async () => {
      const layer = await peerLayer();
      return layer ? (await painted(b.page, layer)).map((p) => p.text) : [];
    }, { timeout: 5_000 }).toEqual([PHRASE]);
    const peer = await painted(b.page, (await peerLayer())!);
    expect(peer[0]!.rects).toEqual(await quoteRects(b.page, PHRASE));

    await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Highlight" }).click();
    await threadCard(a.page, "Highlight", mina.name).waitFor();
    for (const page of [a.page, b.page]) {
      await expect.poll(async () => (await painted(page, "mg-highlight")).map((p) => p.text), { timeout: 3_000 }).toEqual([PHRASE]);
      expect((await painted(page, "mg-highlight"))[0]!.rects).toEqual(await quoteRects(page, PHRASE));
    }

    // With the keyboard: step by sentence to the one with the shadda (a combining mark), and comment on it.
    await a.page.locator("article.article").focus();
    let sentence = "";
    for (let i = 0; i < 20 && !sentence.includes("اوّل"); i++) {
      await a.page.keyboard.press("Alt+ArrowDown");
      sentence = await a.page.evaluate(() => document.getSelection()!.toString());
    }
    expect(sentence).toBe("برای بررسی دقیق‌تر، در گام اوّل فهرست قیمت ۱۲ نانوایی را در سه شهر جمع کردیم و با گزارش رسمی مقایسه کردیم.");
    await a.page.keyboard.press("Enter");
    await a.page.getByRole("dialog", { name: "Annotate selection" }).waitFor();
    await a.page.keyboard.press("Tab");
    await a.page.keyboard.press("Enter");
    await a.page.keyboard.type("منبع فهرست قیمت‌ها کجاست؟");
    await a.page.keyboard.press("Enter");
    await threadCard(b.page, "Comment", mina.name).getByText("منبع فهرست قیمت‌ها کجاست؟").waitFor();
    await expect.poll(async () => (await painted(b.page, "mg-comment")).map((p) => p.text), { timeout: 3_000 }).toEqual([sentence]);
    expect((await painted(b.page, "mg-comment"))[0]!.rects).toEqual(await quoteRects(b.page, sentence));

    // The stored targets count code points in the text as imported, as W3C selectors do.
    const { text } = await (await a.context.request.get(`${base}/api/articles/${article.id}`)).json();
    // Peers see an annotation before its row is written (docs/architecture.md, "Persistence and the commit"), so wait for both rows.
    type Listed = { target: { exact: string; start: number; end: number } };
    let listed: Listed[] = [];
    await expect.poll(async () => {
      listed = (await (await a.context.request.get(`${base}/api/articles/${article.id}/annotations`)).json()).annotations;
      return listed.map((x) => x.target.exact).sort();
    }, { timeout: 10_000 }).toEqual([PHRASE, sentence].sort());
    for (const quote of [PHRASE, sentence]) {
      const found = listed.find((x) => x.target.exact === quote)!;
      const start = codePoints(text.slice(0, text.indexOf(quote)));
      expect(found.target).toMatchObject({ start, end: start + codePoints(quote) });
    }

    // Full-text search finds Persian words: in a comment's body, and in a highlight's quote.
    const search = async (q: string) =>
      (await (await a.context.request.get(`${base}/api/articles/${article.id}/annotations?q=${encodeURIComponent(q)}`)).json()).annotations.map((x: { kind: string }) => x.kind);
    expect(await search("منبع")).toEqual(["comment"]);
    expect(await search("سنگک")).toEqual(["highlight"]);
    expect(await search("قیمت‌ها")).toEqual(["comment"]);
    expect(await search("گوشت")).toEqual([]);

    expect(await axeFindings(a.page, "Persian reader")).toEqual([]);
    await screenshot(a.page, "reader-persian");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("marks a body and a reply with the language their authors gave, and follows a change live", async () => {
    const base = suite.base;
    const { context, page, errors } = await newUserPage(suite.browser);
    const mina = await signUpApi(context, base, "Mina");
    const { articleId } = await groupWithSeedArticle(context, base, []);
    const { text } = await (await context.request.get(`${base}/api/articles/${articleId}`)).json();
    const post = async (exact: string, data: object) => {
      const start = text.indexOf(exact);
      const target = { revision: 1, exact, prefix: "", suffix: "", start, end: start + exact.length };
      const res = await context.request.post(`${base}/api/articles/${articleId}/annotations`, { data: { kind: "comment", target, ...data } });
      expect(res.status()).toBe(201);
      return (await res.json()).id as string;
    };
    const persian = await post("Russia and the Iranian regime", { body: "از چه زمانی؟", language: "FA-ir" });
    await post("After the collapse of the Soviet Union", { body: "No language given" });
    expect((await context.request.post(`${base}/api/annotations/${persian}/replies`, { data: { body: "منذ ١٩٩٢", language: "ar" } })).status()).toBe(201);

    await openReader(page, base, articleId);
    const body = page.locator(`[data-annotation-id="${persian}"] .safe-text.body`);
    await expect.poll(() => body.getAttribute("lang")).toBe("fa-IR");
    expect(await body.getAttribute("dir")).toBe("auto");
    expect(await body.evaluate((el) => getComputedStyle(el).direction)).toBe("rtl");
    const reply = page.locator(`[data-annotation-id="${persian}"] .replies .safe-text`);
    expect(await reply.getAttribute("lang")).toBe("ar");
    const unknown = threadCard(page, "Comment", mina.name).filter({ hasText: "No language given" }).locator(".safe-text.body");
    expect(await unknown.getAttribute("lang")).toBeNull();

    expect((await context.request.patch(`${base}/api/annotations/${persian}`, { data: { language: "ckb" } })).status()).toBe(200);
    await expect.poll(() => body.getAttribute("lang")).toBe("ckb");
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
