import { describe, expect, it } from "vitest";
import { recordAnnouncements } from "./support/announcements.ts";
import { announceSkip, chromiumSuite, newUserPage, skipBrowserSuites } from "./support/browser.ts";
import { annotate, call, groupWithSeedArticle, openReader, signUpApi, twoMembers } from "./support/flows.ts";

announceSkip("live announcements");

const PASSAGE = "The third option is a regime change policy.";

// What the app says without being asked: each through the one polite live region, none moving focus.
describe.skipIf(skipBrowserSuites)("live announcements, in Chromium", () => {
  const suite = chromiumSuite();

  it("tells a reply that arrives in the article, and the notification it brings", async () => {
    const { base, a, b, bob, articleId } = await twoMembers(suite.browser, suite.base);
    const root = await annotate(a.context, base, articleId, PASSAGE, { kind: "comment", body: "Which option?" });
    await openReader(a.page, base, articleId);
    const said = await recordAnnouncements(a.page);
    const focused = await a.page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
    await call(b.context, base, "POST", `/api/annotations/${root}/replies`, { body: "Regime change, the third." });
    await expect
      .poll(said, { timeout: 10_000 })
      .toEqual(expect.arrayContaining([`${bob.name} replied: Regime change, the third.`, `New notification: ${bob.name} replied to your annotation`]));
    expect(await a.page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))).toBe(focused);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("tells the connection going offline, even in the first seconds, and coming back, once each state has held", async () => {
    const { base, a, b, articleId } = await twoMembers(suite.browser, suite.base);
    await openReader(a.page, base, articleId);
    const said = await recordAnnouncements(a.page);
    await a.context.setOffline(true);
    await a.page.getByRole("status", { name: "Offline" }).waitFor();
    await expect.poll(said, { timeout: 10_000 }).toEqual(["Offline"]);
    await a.context.setOffline(false);
    await expect.poll(async () => (await said()).at(-1), { timeout: 15_000 }).toBe("Saved");
    // Connecting is told only if the reconnection took longer than a state must hold (the provider backs off).
    expect((await said()).filter((label) => label !== "Connecting")).toEqual(["Offline", "Saved"]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  it("tells a moderator's decision once it is done", async () => {
    const base = suite.base;
    const mod = await newUserPage(suite.browser);
    const member = await newUserPage(suite.browser);
    await signUpApi(mod.context, base, "Maya");
    const ann = await signUpApi(member.context, base, "Ann");
    const { articleId } = await groupWithSeedArticle(mod.context, base, [{ context: member.context, email: ann.email, role: "annotator" }], "pre");
    await annotate(member.context, base, articleId, PASSAGE, { kind: "comment", body: "Source for this?" });
    await openReader(mod.page, base, articleId);
    await mod.page.getByRole("tab", { name: "Review" }).click();
    const entry = mod.page.getByRole("listitem", { name: `Submission: Comment by ${ann.name}` });
    await entry.getByText("Source for this?").waitFor({ timeout: 15_000 });
    const said = await recordAnnouncements(mod.page);
    await entry.getByRole("button", { name: "Approve" }).click();
    await entry.waitFor({ state: "detached" });
    await expect.poll(said, { timeout: 10_000 }).toContain(`Approved: Comment by ${ann.name}.`);
    expect([...mod.errors, ...member.errors]).toEqual([]);
    await mod.context.close();
    await member.context.close();
  }, 90_000);
});
