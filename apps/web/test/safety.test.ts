import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { call, groupWithSeedArticle, openReader, selectWithMouse, signUpApi, threadCard } from "./support/flows.ts";

const PASSAGE = "The foreign policy process of Western countries, especially the United States";
const COMMENT =
  `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script> ` +
  `see javascript:window.__xss='js' and <a href="javascript:window.__xss='a'">this</a> and https://example.org/report?a=1`;

/** Records anything a payload could do: a dialog, or the flag it sets. */
function watch(page: Page) {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { dialogs, flag: () => page.evaluate(() => (window as { __xss?: string }).__xss ?? null) };
}

/** Every link in the sidebar is http(s), opens apart, and tells the target nothing. */
async function linksAreSafe(page: Page) {
  const links = await page.locator(".sidebar a").evaluateAll((els) =>
    els.map((a) => ({ href: a.getAttribute("href") ?? "", rel: a.getAttribute("rel"), target: a.getAttribute("target") })),
  );
  return { count: links.length, unsafe: links.filter((l) => !/^https?:\/\//.test(l.href) || l.rel !== "noopener noreferrer" || l.target !== "_blank") };
}

announceSkip("untrusted content");

describe.skipIf(skipBrowserSuites)("untrusted content, in Chromium", () => {
  const suite = chromiumSuite();

  it("renders XSS payloads in comments, replies and sources as text, and links only to http(s)", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const b = await newUserPage(suite.browser);
    const mallory = await signUpApi(a.context, base, "Mallory");
    const bob = await signUpApi(b.context, base, "Bob");
    const { articleId } = await groupWithSeedArticle(a.context, base, [{ context: b.context, email: bob.email, role: "annotator" }]);
    const watchA = watch(a.page);
    const watchB = watch(b.page);
    await Promise.all([openReader(a.page, base, articleId), openReader(b.page, base, articleId)]);

    await selectWithMouse(a.page, PASSAGE);
    await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await a.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill(COMMENT);
    await a.page.getByRole("button", { name: "Post comment" }).click();

    // A `javascript:` source is refused by the form, before anything reaches the document.
    await selectWithMouse(a.page, PASSAGE);
    await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const form = a.page.getByRole("dialog", { name: "New fact-check" });
    await form.getByLabel("Verdict").selectOption("unverifiable");
    await form.getByLabel("Source 1 URL").fill("javascript:window.__xss='source'");
    await form.getByLabel("Source 1 title").fill(`<img src=x onerror="window.__xss='title'">`);
    await form.getByRole("button", { name: "Save fact-check" }).click();
    await form.getByRole("alert").filter({ hasText: "http:// or https://" }).waitFor();
    await form.getByLabel("Source 1 URL").fill("https://example.com/evidence");
    await form.getByRole("button", { name: "Save fact-check" }).click();
    await form.waitFor({ state: "detached" });

    // B sees the payloads as text, and replies with one of his own.
    const comment = threadCard(b.page, "Comment", mallory.name);
    await comment.getByText(`<img src=x onerror="window.__xss='img'">`, { exact: false }).waitFor();
    await comment.getByRole("textbox", { name: "Reply" }).fill(`<svg onload="window.__xss='svg'"></svg>`);
    await comment.getByRole("button", { name: "Send reply" }).click();
    const factcheck = threadCard(b.page, "Fact-check", mallory.name);
    await factcheck.getByRole("link", { name: `<img src=x onerror="window.__xss='title'">` }).waitFor();
    await threadCard(a.page, "Comment", mallory.name).getByText(`<svg onload="window.__xss='svg'"></svg>`).waitFor();

    for (const page of [a.page, b.page]) {
      expect(await page.locator(".sidebar img, .sidebar script, .sidebar svg, .sidebar iframe").count()).toBe(0);
      expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
      const links = await linksAreSafe(page);
      expect(links.count).toBeGreaterThanOrEqual(2);
      expect(links.unsafe).toEqual([]);
      expect(await page.getByRole("link", { name: "https://example.org/report?a=1" }).getAttribute("href")).toBe("https://example.org/report?a=1");
    }
    await screenshot(b.page, "reader-xss");
    expect(await watchA.flag()).toBeNull();
    expect(await watchB.flag()).toBeNull();
    expect([...watchA.dialogs, ...watchB.dialogs]).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("renders an imported HTML article as text blocks, running none of its scripts", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const watchA = watch(a.page);
    await signUpApi(a.context, base, "Ida");
    const { groupId } = await groupWithSeedArticle(a.context, base, []);
    await a.page.goto(`${base}/groups/${groupId}`);
    await a.page.getByLabel("Format").selectOption("html");
    await a.page.getByLabel("Article content").fill(
      `<html><head><title>Payload article</title><script>window.__xss='head'</script></head><body><article>` +
        `<h1>Payload article</h1><p>First paragraph <img src=x onerror="window.__xss='img'"> with <a href="javascript:window.__xss='a'">a link</a>.</p>` +
        `<h2>Section</h2><p onmouseover="window.__xss='hover'">Second paragraph.</p><script>window.__xss='body'</script></article></body></html>`,
    );
    await a.page.getByRole("button", { name: "Import article" }).click();
    await a.page.getByRole("heading", { level: 1, name: "Payload article" }).waitFor();
    await a.page.getByRole("heading", { level: 2, name: "Section" }).waitFor();
    await a.page.getByText("Second paragraph.").hover();
    expect(await a.page.locator("article.article img, article.article script, article.article a").count()).toBe(0);
    expect(await watchA.flag()).toBeNull();
    expect(watchA.dialogs).toEqual([]);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);

  it("wraps a word longer than the column, so that the page never scrolls sideways", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    await a.page.setViewportSize({ width: 1400, height: 900 });
    await signUpApi(a.context, base, "Ida");
    const { groupId } = await groupWithSeedArticle(a.context, base, []);
    await a.page.goto(`${base}/groups/${groupId}`);
    await a.page.getByLabel("Format").selectOption("text");
    await a.page.getByLabel("Article content").fill(`Long words\n\nIntro.\n\n${"A".repeat(5_000)}\n\nOutro.`);
    await a.page.getByRole("button", { name: "Import article" }).click();
    await a.page.getByRole("heading", { level: 1, name: "Long words" }).waitFor();
    await a.page.getByText("Outro.").waitFor();
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
    const article = (await a.page.locator("article.article").boundingBox())!;
    expect(article.x + article.width).toBeLessThanOrEqual(1400);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);

  it("wraps a group's name and an article's title without spaces, on the library and the group's page", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    await a.page.setViewportSize({ width: 1280, height: 900 });
    await signUpApi(a.context, base, "Ola");
    const name = "G".repeat(120);
    const title = "T".repeat(500);
    const group = await call<{ id: string }>(a.context, base, "POST", "/api/groups", { name, moderation: "open" });
    await call(a.context, base, "POST", `/api/groups/${group.id}/articles`, { format: "text", content: "Intro.\n\nOutro.", title });
    for (const [path, shown] of [["/", name], [`/groups/${group.id}`, title]] as const) {
      await a.page.goto(`${base}${path}`);
      await a.page.getByText(shown, { exact: true }).first().waitFor();
      expect(await a.page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(1280);
    }
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);
});
