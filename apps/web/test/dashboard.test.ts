import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { selectWithMouse, threadCard, twoReaders } from "./support/flows.ts";

const CLAIM = "The second option for the West is a military operation against Iran and its nuclear facilities.";
const OTHER = "Considering the economic and geopolitical challenges of the West in Ukraine and East Asia";

announceSkip("live session dashboard");

/** The number a dashboard tile shows. */
const stat = (page: Page, label: string) => page.locator(".stat", { has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator("dd").textContent();

describe.skipIf(skipBrowserSuites)("live session dashboard, in Chromium", () => {
  const suite = chromiumSuite();

  it("follows another member's work as it happens, and agrees with the summary endpoint", async () => {
    const { base, a, b, alice, bob, articleId } = await twoReaders(suite.browser, suite.base);
    // Alice, the owner, leaves the reader for the dashboard; Bob keeps annotating.
    await a.page.getByRole("link", { name: "Dashboard" }).click();
    await a.page.getByRole("heading", { level: 1, name: "Live session" }).waitFor();
    await expect.poll(() => stat(a.page, "Claims found")).toBe("0");
    const people = a.page.getByRole("list", { name: "Who is working on what" });
    await people.getByText(bob.name).waitFor();

    // Bob fact-checks a sentence: a claim, in review because an annotator cannot publish one.
    await selectWithMouse(b.page, CLAIM);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const form = b.page.getByRole("dialog", { name: "New fact-check" });
    await form.getByLabel("Verdict").selectOption("misleading");
    await form.getByRole("button", { name: "Save fact-check" }).click();
    await expect.poll(() => stat(a.page, "Claims found"), { timeout: 2_000 }).toBe("1");
    expect(await stat(a.page, "Claims in review")).toBe("1");
    expect(await a.page.getByRole("img", { name: /^Verdicts:/ }).getAttribute("aria-label")).toContain("Misleading 1");
    await a.page.getByRole("list", { name: "Latest activity" }).getByText(`${bob.name} added a fact-check`).waitFor();

    // He comments elsewhere and replies to his own claim: threads and replies move.
    await selectWithMouse(b.page, OTHER);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Comment" }).click();
    await b.page.keyboard.type("Which challenges, exactly?");
    await b.page.keyboard.press("Enter");
    const card = threadCard(b.page, "Fact-check", bob.name);
    await card.getByRole("textbox", { name: "Reply" }).fill("The source is an op-ed.");
    await card.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => stat(a.page, "Open threads"), { timeout: 2_000 }).toBe("2");
    await expect.poll(() => stat(a.page, "Replies"), { timeout: 2_000 }).toBe("1");

    // What he selects shows under his name, from his presence.
    await selectWithMouse(b.page, OTHER);
    await people.locator("li", { hasText: bob.name }).locator("blockquote", { hasText: OTHER.slice(0, 40) }).waitFor({ timeout: 2_000 });
    // The dashboard's viewer is not counted as reading the article.
    expect(await people.getByText(alice.name).count()).toBe(0);

    await b.page.getByRole("status", { name: "Saved" }).waitFor();
    const res = await a.context.request.get(`${base}/api/articles/${articleId}/summary`);
    const summary = await res.json();
    expect(await stat(a.page, "Claims found")).toBe(String(summary.claims.total));
    expect(await stat(a.page, "Open threads")).toBe(String(summary.threads.open));
    expect(await stat(a.page, "Replies")).toBe(String(summary.annotations.replies));
    expect(summary.verdicts.misleading).toBe(1);

    // Moderators see how far reviewers agree: Bob's lone verdict compares with nothing; Alice's own on the
    // same passage makes a pair, and the panel follows without a reload.
    const agreement = a.page.getByLabel("Overall agreement");
    await agreement.getByText(/nothing to compare yet/).waitFor();
    const listed = await (await a.context.request.get(`${base}/api/articles/${articleId}/annotations?kind=factcheck`)).json();
    const mine = await a.context.request.post(`${base}/api/articles/${articleId}/annotations`, {
      data: { kind: "factcheck", target: listed.annotations[0].target, factcheck: { claim: CLAIM, verdict: "false", sources: [{ url: "https://example.org/iran" }] } },
    });
    expect(mine.status()).toBe(201);
    await expect.poll(() => agreement.textContent(), { timeout: 3_000 }).toContain("over 1 passage judged by 2 reviewers");
    expect(await a.page.getByRole("table", { name: "Agreement by passage" }).getByRole("row").count()).toBe(2);

    // Claim memory: as Bob words a claim Alice has already published a check of, the form shows it, and
    // citing it links his new fact-check to hers.
    await selectWithMouse(b.page, OTHER);
    await b.page.getByRole("dialog", { name: "Annotate selection" }).getByRole("button", { name: "Fact-check" }).click();
    const next = b.page.getByRole("dialog", { name: "New fact-check" });
    await next.getByLabel("Claim").fill("A military operation against Iran's nuclear facilities is an option for the West");
    const memory = next.getByRole("region", { name: "Checked before" });
    await memory.getByText(CLAIM).waitFor({ timeout: 5_000 });
    await memory.getByRole("button", { name: `Cite the earlier check: ${CLAIM}` }).click();
    await next.getByLabel("Verdict").selectOption("mixed");
    await next.getByRole("button", { name: "Save fact-check" }).click();
    const cited = (await mine.json()) as { id: string };
    await expect
      .poll(async () => {
        const checks = await (await b.context.request.get(`${base}/api/articles/${articleId}/annotations?kind=factcheck&verdict=mixed`)).json();
        return checks.annotations[0]?.factcheck.sources.map((s: { url: string }) => s.url) ?? [];
      }, { timeout: 3_000 })
      .toEqual([`${base}/articles/${articleId}#annotation=${cited.id}`]);

    await screenshot(a.page, "dashboard");
    // The owner's participation view counts Bob's work; Bob is turned away from it.
    await a.page.getByRole("link", { name: "Participation" }).click();
    const row = a.page.getByRole("row", { name: new RegExp(bob.name) });
    await row.waitFor();
    // Role, highlights, comments, fact-checks (the claim, and the one citing Alice's), replies.
    expect((await row.getByRole("cell").allTextContents()).slice(0, 5)).toEqual(["annotator", "0", "1", "2", "1"]);
    expect(await a.page.getByRole("link", { name: "Download CSV" }).getAttribute("href")).toBe(`/api/articles/${articleId}/participation?format=csv`);
    await b.page.goto(`${base}/articles/${articleId}/participation`);
    await b.page.getByRole("alert").getByText(/moderator role/).waitFor();

    await screenshot(a.page, "participation");
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 60_000);
});
