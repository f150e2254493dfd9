import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, skipBrowserSuites } from "./support/browser.ts";
import { SEED_TITLE, annotate, groupWithSeedArticle, highlightSizes, signUpApi } from "./support/flows.ts";

announceSkip("first paint from the highlight list");

const painted = (sizes: Record<string, number>) => Object.entries(sizes).reduce((n, [name, size]) => n + (name.startsWith("mg-") ? size : 0), 0);

describe.skipIf(skipBrowserSuites)("the reader's first paint, in Chromium", () => {
  const suite = chromiumSuite();

  it("paints the server's highlight list before the live document syncs, and lets the document take over", async () => {
    const { context, page, errors } = await newUserPage(suite.browser);
    await signUpApi(context, suite.base, "Paula");
    const { articleId } = await groupWithSeedArticle(context, suite.base, []);
    const comment = await annotate(context, suite.base, articleId, "Russia and the Iranian regime", { kind: "comment", body: "Since when?" });
    await annotate(context, suite.base, articleId, "After the collapse of the Soviet Union", { kind: "highlight" });
    const check = await annotate(context, suite.base, articleId, "both Iran and Russia", {
      kind: "factcheck",
      factcheck: { claim: "Both found reasons", verdict: "false", sources: [] },
    });
    expect((await context.request.post(`${suite.base}/api/annotations/${comment}/replies`, { data: { body: "Since 1992." } })).status()).toBe(201);

    // The sync socket opens but the server never answers: only the list can paint.
    await page.routeWebSocket(/\/sync\//, () => {});
    await page.goto(`${suite.base}/articles/${articleId}`);
    await page.getByRole("heading", { level: 1, name: SEED_TITLE }).waitFor();
    await expect.poll(() => highlightSizes(page)).toEqual({ "mg-comment": 1, "mg-highlight": 1, "mg-fc-false": 1 });
    await page.getByText("Loading threads…").waitFor();
    await page.close();

    // With the socket, the document's threads take the same ranges over, and then follow the document:
    // a deleted annotation the list had named is no longer painted.
    const live = await context.newPage();
    await live.goto(`${suite.base}/articles/${articleId}`);
    await live.getByRole("article", { name: /^Fact-check by/ }).waitFor();
    expect(painted(await highlightSizes(live))).toBe(3);
    expect((await context.request.delete(`${suite.base}/api/annotations/${check}`)).status()).toBe(204);
    await expect.poll(() => highlightSizes(live)).toEqual({ "mg-comment": 1, "mg-highlight": 1, "mg-fc-false": 0 });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
