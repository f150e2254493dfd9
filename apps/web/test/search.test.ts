import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, newUserPage, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, groupWithSeedArticle, highlightSizes, signUpApi, twoReaders } from "./support/flows.ts";

const EARLY = "The third option is a regime change policy.";
const LATE = "Russia-Iran close ties help Moscow to develop its geopolitical, economic, and security";
const DRONES = "The use of Iranian drones to attack Ukraine";
const JCPOA = "One of these options is the revival of the JCPOA";
const PERSIAN = readFileSync(new URL("../../../fixtures/articles/persian-bread-prices.txt", import.meta.url), "utf8");
const PHRASE = "قیمت نان سنگک در یک سال سه برابر";

announceSkip("searching annotations");

const cardTexts = (page: Page) => page.getByRole("list", { name: "Threads" }).getByRole("article").allTextContents();
/** Ranges painted for threads, leaving out the transient layers (focus, draft, peers' selections). */
async function threadPaints(page: Page): Promise<number> {
  const sizes = await highlightSizes(page);
  return Object.entries(sizes).filter(([name]) => !/^mg-(focus|draft|peer-)/.test(name)).reduce((n, [, size]) => n + size, 0);
}
/** Whether the page is wider than its viewport (something does not fit). */
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

describe.skipIf(skipBrowserSuites)("searching annotations, in Chromium", () => {
  const suite = chromiumSuite();

  it("the reader's search narrows the threads and their highlights as one types, in Persian too, with live arrivals and the filters", async () => {
    const { base, a, b, articleId } = await twoReaders(suite.browser, suite.base);
    const first = await annotate(a.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
    await annotate(a.context, base, articleId, LATE, { kind: "factcheck", body: "The evidence is thin.", factcheck: { claim: "The ties help Moscow", verdict: "false", sources: [] } });
    await annotate(a.context, base, articleId, DRONES, { kind: "comment", body: "قیمت نان سنگک سه برابر شد" });
    await call(b.context, base, "POST", `/api/annotations/${first}/replies`, { body: "The Shahed deals, mostly." });
    await b.page.getByText("The Shahed deals, mostly.").waitFor();
    await expect.poll(() => cardTexts(b.page).then((t) => t.length)).toBe(3);

    const search = b.page.getByRole("searchbox", { name: "Search threads" });
    const count = b.page.locator(".thread-search").getByRole("status");
    // A word only a reply holds, typed in capitals: the thread it answers.
    await search.pressSequentially("SHAHED");
    await expect.poll(() => cardTexts(b.page)).toEqual([expect.stringContaining("Which option?")]);
    expect(await count.textContent()).toBe("1 of 3 threads matches");
    await expect.poll(() => threadPaints(b.page)).toBe(1);

    // A fact-check's claim, and a Persian word typed with the Arabic yeh.
    await search.fill("moscow TIES");
    await expect.poll(() => cardTexts(b.page)).toEqual([expect.stringContaining("The evidence is thin.")]);
    await search.fill("قيمت");
    await expect.poll(() => cardTexts(b.page)).toEqual([expect.stringContaining("سنگک")]);

    // One that arrives while searching joins the list if it matches, and is painted with it; one that does not stays out.
    await annotate(a.context, base, articleId, JCPOA, { kind: "comment", body: "نان گران‌تر شد و قیمت‌ها بالا رفت" });
    await annotate(a.context, base, articleId, "Western countries, especially the United States", { kind: "comment", body: "Which countries?" });
    await expect.poll(() => cardTexts(b.page).then((t) => t.length)).toBe(2);
    await expect.poll(() => count.textContent()).toBe("2 of 5 threads match");
    await expect.poll(() => threadPaints(b.page)).toBe(2);
    expect(await b.page.getByRole("tab", { name: "Threads (2)" }).count()).toBe(1);
    expect(await axeFindings(b.page, "the reader with a search")).toEqual([]);

    // With the filters: a kind none of the matches has leaves nothing, and says so.
    await b.page.getByText("Filters", { exact: true }).click();
    await b.page.getByRole("group", { name: "Kind" }).getByLabel("Fact-check").check();
    await b.page.getByText("No threads match “قيمت” with these filters.").waitFor();
    expect(await count.textContent()).toBe("0 of 5 threads match");
    await expect.poll(() => threadPaints(b.page)).toBe(0);
    await b.page.getByRole("group", { name: "Kind" }).getByLabel("Fact-check").uncheck();

    // Escape clears the search and brings every thread back.
    await search.press("Escape");
    expect(await search.inputValue()).toBe("");
    await expect.poll(() => cardTexts(b.page).then((t) => t.length)).toBe(5);
    await expect.poll(() => threadPaints(b.page)).toBe(5);
    expect(await count.textContent()).toBe("");

    // On a phone the search sits in the drawer and fits it; Escape clears it before it closes the drawer.
    await b.page.setViewportSize({ width: 390, height: 844 });
    await b.page.getByRole("button", { name: "Annotations (5)" }).click();
    const drawer = b.page.getByRole("dialog", { name: "Annotations" });
    await drawer.getByRole("searchbox", { name: "Search threads" }).fill("shahed");
    await expect.poll(() => cardTexts(b.page).then((t) => t.length)).toBe(1);
    const box = await drawer.getByRole("searchbox", { name: "Search threads" }).boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(await overflows(b.page)).toBe(false);
    expect(await axeFindings(b.page, "the reader's drawer with a search, 390 px")).toEqual([]);
    await b.page.keyboard.press("Escape");
    expect(await drawer.isVisible()).toBe(true);
    await b.page.keyboard.press("Escape");
    await drawer.waitFor({ state: "detached" });

    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 120_000);

  it("the group page finds annotations across the group's articles, and each result opens its thread", async () => {
    const { base, browser } = suite;
    const owner = await newUserPage(browser);
    await signUpApi(owner.context, base, "Olive");
    const { groupId, articleId } = await groupWithSeedArticle(owner.context, base, []);
    const other = await call<{ id: string; title: string }>(owner.context, base, "POST", `/api/groups/${groupId}/articles`, { format: "text", content: PERSIAN });
    await annotate(owner.context, base, articleId, EARLY, { kind: "comment", body: "Which option?" });
    const bread = await annotate(owner.context, base, other.id, PHRASE, { kind: "comment", body: "Sanctions raised the price of flour." });
    await call(owner.context, base, "POST", `/api/annotations/${bread}/replies`, { body: "And the embargo on wheat." });

    const searches: string[] = [];
    owner.page.on("request", (r) => r.url().includes(`/api/groups/${groupId}/annotations?q=`) && searches.push(new URL(r.url()).searchParams.get("q")!));
    await owner.page.goto(`${base}/groups/${groupId}`);
    const search = owner.page.getByRole("search").getByRole("searchbox", { name: "Words in comments, claims and quoted passages" });
    const status = owner.page.locator(".group-search").getByRole("status");
    const results = owner.page.getByRole("list", { name: "Matching annotations" });

    // Typing asks once, when it pauses.
    await search.pressSequentially("sanctions", { delay: 40 });
    await status.getByText("1 annotation matches “sanctions”.").waitFor();
    expect(searches).toEqual(["sanctions"]);
    expect(await results.getByRole("link").allTextContents()).toEqual(["Sanctions raised the price of flour."]);
    expect(await results.textContent()).toContain(other.title);
    expect(await axeFindings(owner.page, "the group page with search results")).toEqual([]);

    // Nothing found says so; a failed search says why; a slow one says it is searching.
    await search.fill("zeppelin");
    await status.getByText("No annotations match “zeppelin”.").waitFor();
    expect(await results.count()).toBe(0);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await owner.page.route(`**/api/groups/${groupId}/annotations?*`, async (route) => {
      await held;
      await route.fulfill({ status: 500, contentType: "application/json", body: JSON.stringify({ error: { code: "internal", message: "The database is away." } }) });
    });
    await search.fill("flour");
    await status.getByText("Searching…").waitFor();
    release();
    await owner.page.getByRole("alert").getByText("The search failed: The database is away.").waitFor();
    await owner.page.unroute(`**/api/groups/${groupId}/annotations?*`);

    // A reply opens the thread it answers, on its own article, focused.
    await search.fill("embargo");
    await results.getByRole("link", { name: "And the embargo on wheat." }).click();
    await owner.page.waitForURL(`${base}/articles/${other.id}#annotation=${bread}`);
    const card = owner.page.locator(`article.thread[data-annotation-id="${bread}"]`);
    await card.waitFor();
    await expect.poll(() => card.getAttribute("class")).toContain("focused");

    // On a phone the search and its results fit the screen.
    await owner.page.setViewportSize({ width: 390, height: 844 });
    await owner.page.goto(`${base}/groups/${groupId}`);
    await search.fill("sanctions");
    await status.getByText("1 annotation matches “sanctions”.").waitFor();
    expect(await overflows(owner.page)).toBe(false);
    expect(await axeFindings(owner.page, "the group page with search results, 390 px")).toEqual([]);
    expect(owner.errors).toEqual([]);
    await owner.context.close();
  }, 90_000);
});
