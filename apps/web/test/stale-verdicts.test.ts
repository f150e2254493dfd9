import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { SEED_ARTICLE, groupWithSeedArticle, openReader, signUpApi, threadCard } from "./support/flows.ts";

const PASSAGE = "Russia and the Iranian regime are both today under tough sanctions";

announceSkip("stale verdicts");

describe.skipIf(skipBrowserSuites)("stale verdicts, in Chromium", () => {
  const suite = chromiumSuite();

  it("marks a verdict whose passage a correction reworded, shows how the quote changed, and confirms it", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const rita = await signUpApi(a.context, base, "Rita");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    // The fact-check is made over REST on the text as the server normalized it, positions in code points.
    const { text } = (await (await a.context.request.get(`${base}/api/articles/${articleId}`)).json()) as { text: string };
    const start = Array.from(text.slice(0, text.indexOf(PASSAGE))).length;
    const made = await a.context.request.post(`${base}/api/articles/${articleId}/annotations`, {
      data: {
        kind: "factcheck",
        target: { revision: 1, exact: PASSAGE, prefix: "", suffix: "", start, end: start + Array.from(PASSAGE).length },
        factcheck: { claim: "Both countries are under tough sanctions", verdict: "true", sources: [{ url: "https://example.org/sanctions", title: "" }] },
      },
    });
    expect(made.status()).toBe(201);
    await openReader(a.page, base, articleId);
    const card = threadCard(a.page, "Fact-check", rita.name);
    await card.waitFor();
    expect(await card.getByRole("region", { name: "Stale verdict" }).count()).toBe(0);

    const corrected = await a.context.request.put(`${base}/api/articles/${articleId}/text`, {
      data: { format: "text", content: SEED_ARTICLE.replace("under tough sanctions", "under tougher sanctions") },
    });
    expect(corrected.status()).toBe(201);
    await a.page.getByRole("button", { name: "Load the new revision" }).click();
    const mark = card.getByRole("region", { name: "Stale verdict" });
    await mark.waitFor();
    expect(await card.getAttribute("class")).toContain("is-stale");
    expect(await mark.getByText(/Revision 2 changed the passage/).count()).toBe(1);
    expect(await mark.locator(".quote-diff ins").allTextContents()).toEqual(["er"]);
    expect((await mark.locator(".quote-diff > :not(ins)").allTextContents()).join("")).toBe(PASSAGE);
    expect((await mark.locator(".quote-diff > :not(del)").allTextContents()).join("")).toBe(PASSAGE.replace("tough", "tougher"));
    await screenshot(a.page, "reader-stale-verdict");

    await mark.getByRole("button", { name: "Confirm the verdict against the new text" }).click();
    await mark.waitFor({ state: "detached" });
    expect(await card.getAttribute("class")).not.toContain("is-stale");
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 90_000);
});
