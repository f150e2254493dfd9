import type { CDPSession, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { announceSkip, chromiumSuite, newUserPage, skipBrowserSuites } from "./support/browser.ts";
import { SEED_TITLE, groupWithSeedArticle, signUpApi } from "./support/flows.ts";

announceSkip("memory across navigation");

/** What a screen left behind could hold on to: sockets, streams, stored documents, observers, painted ranges. */
const KINDS = ["EventSource", "WebSocket", "IDBDatabase", "MutationObserver", "ResizeObserver", "Highlight", "Range"] as const;

/**
 * How many objects of each kind the page holds after a full collection, and how many elements no longer in the
 * document: a screen kept after it was left keeps its elements. The objects queried are released again before
 * the next count, or the inspector itself would hold them.
 */
async function retained(cdp: CDPSession): Promise<Record<string, number>> {
  await cdp.send("HeapProfiler.collectGarbage");
  const counts: Record<string, number> = {};
  const count = async (kind: string, fn = "function () { return this.length; }") => {
    const { result } = await cdp.send("Runtime.evaluate", { expression: `${kind}.prototype`, objectGroup: "count" });
    const { objects } = await cdp.send("Runtime.queryObjects", { prototypeObjectId: result.objectId!, objectGroup: "count" });
    const { result: n } = await cdp.send("Runtime.callFunctionOn", { objectId: objects.objectId!, functionDeclaration: fn, returnByValue: true });
    await cdp.send("Runtime.releaseObjectGroup", { objectGroup: "count" });
    return n.value as number;
  };
  for (const kind of KINDS) counts[kind] = await count(kind);
  // The query also finds the prototypes of Element's subclasses, on which the getter throws.
  const detached = "function () { return this.filter((e) => { try { return !e.isConnected; } catch { return false; } }).length; }";
  counts["detached elements"] = await count("Element", detached);
  return counts;
}

async function visitReader(page: Page, group: string) {
  await page.getByRole("list", { name: "Your groups" }).getByRole("link", { name: group }).click();
  await page.getByRole("list", { name: "Articles" }).getByRole("link", { name: SEED_TITLE }).click();
  await page.getByRole("status", { name: "Saved" }).waitFor();
  await page.getByRole("link", { name: "Marginalia home" }).click();
  await page.getByRole("heading", { name: "Your groups" }).waitFor();
}

describe.skipIf(skipBrowserSuites)("memory across navigation, in Chromium", () => {
  const suite = chromiumSuite();

  it("going from the library to the reader and back, again and again, leaves nothing of the screens left behind", async () => {
    const base = suite.base;
    const user = await newUserPage(suite.browser);
    await signUpApi(user.context, base, "Lena");
    const { groupId } = await groupWithSeedArticle(user.context, base, []);
    const { name } = await user.context.request.get(`${base}/api/groups/${groupId}`).then((r) => r.json() as Promise<{ name: string }>);
    await user.page.goto(base);
    await user.page.getByRole("heading", { name: "Your groups" }).waitFor();
    const cdp = await user.context.newCDPSession(user.page);

    // The first visits load what stays for the page's life (code, the shell); later ones must add nothing.
    for (let i = 0; i < 2; i++) await visitReader(user.page, name);
    const settled = await retained(cdp);
    for (let i = 0; i < 4; i++) await visitReader(user.page, name);
    // A stored document closes its database after the page let it go: asked again until what is let go is gone.
    // One more of a kind is allowed: the library's own stream may open just after its heading shows, so either
    // count may or may not hold it. What a left screen keeps grows by at least one each visit, four here.
    const grown = async () => {
      const later = await retained(cdp);
      return Object.keys(settled).filter((kind) => later[kind]! > settled[kind]! + 1).map((kind) => `${kind}: ${settled[kind]} after 2 visits, ${later[kind]} after 6`);
    };
    await expect.poll(grown, { timeout: 15_000 }).toEqual([]);
    expect(user.errors).toEqual([]);
    await user.context.close();
  }, 60_000);
});
