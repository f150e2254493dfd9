import type { Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { SEED_ARTICLE, annotate, groupWithSeedArticle, openReader, selectWithMouse, signUpApi, threadCard } from "./support/flows.ts";

const REMOVED = "The third option is a regime change policy.";
const KEPT = "Western countries, especially the United States, do not have many options";

announceSkip("loading a correction");

describe.skipIf(skipBrowserSuites)("loading a correction, in Chromium", () => {
  const suite = chromiumSuite();

  it("a correction that fails to load says why and is offered again; the revision on screen stays usable meanwhile", async () => {
    const base = suite.base;
    const a = await newUserPage(suite.browser);
    const olivia = await signUpApi(a.context, base, "Olivia");
    const { articleId } = await groupWithSeedArticle(a.context, base, []);
    await openReader(a.page, base, articleId);
    await annotate(a.context, base, articleId, KEPT, { kind: "comment", body: "Name the options." });
    const thread = threadCard(a.page, "Comment", olivia.name);
    await thread.waitFor();
    const corrected = await a.context.request.put(`${base}/api/articles/${articleId}/text`, {
      data: { format: "text", content: SEED_ARTICLE.replace(`${REMOVED} `, "") },
    });
    expect(corrected.status()).toBe(201);

    // The server fails on its own (500), a proxy in front of it answers for it (502), then nothing answers at all.
    const failures: Array<[(route: Route) => Promise<void>, string]> = [
      [(route) => route.fulfill({ status: 500, json: { error: { code: "internal", message: "Something went wrong on our side" } } }), "Something went wrong on our side."],
      [(route) => route.fulfill({ status: 502, contentType: "text/html", body: "<h1>Bad Gateway</h1>" }), "The server could not answer (error 502)."],
      [(route) => route.abort("internetdisconnected"), "The server cannot be reached. Check your connection."],
    ];
    let offer = a.page.getByRole("button", { name: "Load the new revision" });
    for (const [fail, words] of failures) {
      await a.page.route(`${base}/api/articles/${articleId}`, fail, { times: 1 });
      await offer.click();
      await a.page.getByRole("alert").filter({ hasText: `The new revision could not be loaded. ${words}` }).waitFor({ timeout: 15_000 });
      offer = a.page.getByRole("button", { name: "Try again" });
      await offer.waitFor();
      expect(await a.page.locator("#article").textContent()).toContain(REMOVED);
    }
    await screenshot(a.page, "reader-correction-failed");

    // The revision on screen is still there to read and annotate.
    await thread.getByText("Name the options.").waitFor();
    await selectWithMouse(a.page, KEPT);
    await a.page.getByRole("dialog", { name: "Annotate selection" }).waitFor();
    await a.page.keyboard.press("Escape");

    // Once the server answers, trying again loads the new revision, and the failure is no longer told.
    await offer.click();
    await expect.poll(() => a.page.locator("#article").textContent(), { timeout: 15_000 }).not.toContain(REMOVED);
    await expect.poll(() => a.page.getByText("could not be loaded").count()).toBe(0);
    expect(await a.page.getByRole("button", { name: "Try again" }).count()).toBe(0);
    await thread.getByText("Name the options.").waitFor();
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);
});
