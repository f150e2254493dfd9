import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, skipBrowserSuites } from "./support/browser.ts";
import { openReader, twoMembers } from "./support/flows.ts";

announceSkip("anonymity to peers");

describe.skipIf(skipBrowserSuites)("a group anonymous to peers, in Chromium", () => {
  const suite = chromiumSuite();

  it("the owner turns it on; a peer then sees pseudonyms in the members panel and presence, the owner sees names", async () => {
    const { base, a, b, alice, bob, groupId, articleId } = await twoMembers(suite.browser, suite.base);

    await a.page.goto(`${base}/groups/${groupId}`);
    const settings = a.page.getByRole("form", { name: "Group settings" });
    await settings.getByRole("checkbox", { name: /Anonymous to peers/ }).check();
    await settings.getByRole("button", { name: "Save settings" }).click();
    await a.page.getByText("· anonymous to peers").waitFor();

    await b.page.goto(`${base}/groups/${groupId}`);
    const members = b.page.locator("table.members");
    await members.getByText(/^Participant /).waitFor();
    const table = await members.textContent();
    expect(table).toContain(bob.name);
    expect(table).not.toContain(alice.name);
    expect(table).not.toContain(alice.email);

    await Promise.all([openReader(a.page, base, articleId), openReader(b.page, base, articleId)]);
    const bobsPresence = b.page.getByRole("group", { name: "2 readers here now" });
    await bobsPresence.getByText(/^Participant /).waitFor();
    expect(await bobsPresence.textContent()).not.toContain(alice.name);
    // The owner gets the same stamped presence, and shows the name from the members list.
    await a.page.getByRole("group", { name: "2 readers here now" }).getByText(bob.name, { exact: true }).waitFor();
    expect(await b.page.content()).not.toContain(alice.name);
  });
});
