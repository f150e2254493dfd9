import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { SEED_ARTICLE, annotate, groupWithSeedArticle, highlightSizes, openReader, selectWithMouse, signUpApi, threadCard } from "./support/flows.ts";

const REMOVED = "The third option is a regime change policy.";
const KEPT = "Western countries, especially the United States, do not have many options";
const NEW_HOME = "Considering the explosive situation in Iran’s society";

announceSkip("orphans and exports");

describe.skipIf(skipBrowserSuites)("orphans and exports, in Chromium", () => {
  const suite = chromiumSuite();

  it("a correction orphans an annotation; its author re-attaches it to a selection", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const olivia = await signUpApi(a.context, base, "Olivia");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    await openReader(a.page, base, articleId);

    for (const [passage, body] of [[REMOVED, "Which regime change?"], [KEPT, "Name the options."]] as const) {
      await selectWithMouse(a.page, passage);
      await a.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
      await a.page.getByRole("dialog", { name: "New comment" }).getByLabel("Comment").fill(body);
      await a.page.getByRole("button", { name: "Post comment" }).click();
    }
    await a.page.getByRole("status", { name: "Saved" }).waitFor();

    // The editor removes a sentence: the server re-anchors, and the open reader offers the new text.
    const corrected = await a.context.request.put(`${base}/api/articles/${articleId}/text`, {
      data: { format: "text", content: SEED_ARTICLE.replace(`${REMOVED} `, "") },
    });
    expect(corrected.status()).toBe(201);
    await a.page.getByRole("button", { name: "Load the new revision" }).click();
    await a.page.getByRole("tab", { name: "Orphans (1)" }).waitFor();
    await expect.poll(() => highlightSizes(a.page)).toEqual(expect.objectContaining({ "mg-comment": 1 }));
    await threadCard(a.page, "Comment", olivia.name).getByText("Name the options.").waitFor();

    await a.page.getByRole("tab", { name: "Orphans (1)" }).click();
    const orphans = a.page.getByRole("region", { name: "Orphaned annotations" });
    await orphans.getByText("Which regime change?").waitFor();
    await selectWithMouse(a.page, NEW_HOME);
    // The popover offers to annotate the selection; here it is only the new home for the orphan.
    const popover = a.page.getByRole("dialog", { name: "Annotate selection" });
    await popover.getByRole("button", { name: "Highlight" }).and(a.page.locator(":focus")).waitFor();
    await a.page.keyboard.press("Escape");
    await popover.waitFor({ state: "detached" });
    await screenshot(a.page, "reader-orphans");
    await orphans.getByRole("button", { name: "Re-attach to my selection" }).click();
    await a.page.getByRole("tab", { name: "Orphans" }).filter({ hasNotText: "(" }).waitFor();
    await expect.poll(() => highlightSizes(a.page)).toEqual(expect.objectContaining({ "mg-comment": 2 }));
    await a.page.getByRole("tab", { name: /Threads/ }).click();
    const reattached = a.page.locator("article.thread", { hasText: "Which regime change?" });
    expect(await reattached.getByRole("button", { name: /Show in text/ }).textContent()).toContain(NEW_HOME);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("says the article was deleted and no longer offers a correction of it to load", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    await signUpApi(a.context, base, "Dana");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    await annotate(a.context, base, articleId, KEPT, { kind: "comment", body: "Which options?" });
    await openReader(a.page, base, articleId);

    // A correction re-anchors the comment onto revision 2: the open reader offers it.
    const corrected = await a.context.request.put(`${base}/api/articles/${articleId}/text`, {
      data: { format: "text", content: SEED_ARTICLE.replace("do not have many options", "have few options") },
    });
    expect(corrected.status()).toBe(201);
    await a.page.getByRole("button", { name: "Load the new revision" }).waitFor();

    expect((await a.context.request.delete(`${base}/api/articles/${articleId}`)).status()).toBe(204);
    await a.page.getByRole("alert").getByText("This article was deleted.").waitFor();
    expect(await a.page.getByText("This article has been corrected since you opened it.").count()).toBe(0);
    expect(await a.page.getByRole("button", { name: "Load the new revision" }).count()).toBe(0);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);

  it("offers the four exports from the reader", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    await signUpApi(a.context, base, "Erin");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    await openReader(a.page, base, articleId);
    await a.page.getByText("Export", { exact: true }).click();
    const menu = a.page.getByRole("list", { name: "Export formats" });
    const links = await menu.getByRole("link").evaluateAll((els) => els.map((el) => [el.textContent, el.getAttribute("href")]));
    expect(links).toEqual([
      ["W3C Web Annotations (JSON-LD)", `/api/articles/${articleId}/export?format=w3c`],
      ["ClaimReview (schema.org)", `/api/articles/${articleId}/export?format=claimreview`],
      ["CSV spreadsheet", `/api/articles/${articleId}/export?format=csv`],
      ["Markdown report", `/api/articles/${articleId}/export?format=markdown`],
    ]);
    for (const [, href] of links) expect((await a.context.request.get(base + href!)).status(), href!).toBe(200);
    await a.context.close();
  }, 60_000);
});
