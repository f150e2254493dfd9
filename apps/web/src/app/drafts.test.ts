import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/** The browser's storage, one for every tab of the site, as a Map behind the Storage interface's methods. */
function sharedStorage() {
  const items = new Map<string, string>();
  const store = {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
  // Object.keys(localStorage) lists the stored keys: a Proxy answers it from the Map.
  return new Proxy(store, {
    ownKeys: () => [...items.keys()],
    getOwnPropertyDescriptor: (_, key) => (typeof key === "string" && items.has(key) ? { enumerable: true, configurable: true, value: items.get(key) } : undefined),
  });
}

/** A tab: the drafts module loaded afresh, with a page memory and tab key of its own. */
async function openTab() {
  vi.resetModules();
  return import("./drafts.ts");
}

const SCOPE = "user-1:article-1";
let clock = 1_800_000_000_000;

describe("drafts across tabs", () => {
  beforeEach(() => {
    vi.stubGlobal("window", { localStorage: sharedStorage() });
    vi.spyOn(Date, "now").mockImplementation(() => (clock += 1_000));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it("keeps each tab's text, offers the newest to a tab opened later and sets the other aside", async () => {
    const first = await openTab();
    const second = await openTab();
    expect(first.readDraft(SCOPE, "reply:t")).toBeUndefined();
    expect(second.readDraft(SCOPE, "reply:t")).toBeUndefined();
    first.writeDraft(SCOPE, "reply:t", "From the first tab");
    second.writeDraft(SCOPE, "reply:t", "From the second tab");
    expect(first.readDraft(SCOPE, "reply:t")).toBe("From the first tab");

    const third = await openTab();
    expect(third.readDraft(SCOPE, "reply:t")).toBe("From the second tab");
    expect(third.takeSetAside(SCOPE)).toEqual([{ name: "reply:t", value: "From the first tab" }]);
    expect(third.takeSetAside(SCOPE)).toEqual([]);
  });

  it("a draft sent in one tab takes with it the copy a tab opened since took in, and not a text that tab changed", async () => {
    const first = await openTab();
    first.writeDraft(SCOPE, "reply:t", "Half a reply");
    first.writeDraft(SCOPE, "edit:c", { body: "Edited" });
    const second = await openTab();
    expect(second.readDraft(SCOPE, "reply:t")).toBe("Half a reply");
    second.writeDraft(SCOPE, "edit:c", { body: "Edited further" });
    first.writeDraft(SCOPE, "reply:t", undefined);
    first.writeDraft(SCOPE, "edit:c", undefined);

    const third = await openTab();
    expect(third.readDraft(SCOPE, "reply:t")).toBeUndefined();
    expect(third.readDraft(SCOPE, "edit:c")).toEqual({ body: "Edited further" });
  });

  it("a draft whose stored copy was let go stays in the page's memory, unlisted, until written again", async () => {
    const tab = await openTab();
    tab.writeDraft(SCOPE, "reply:t", "Which reasons?");
    tab.releaseStored(SCOPE, "reply:t");
    expect(tab.readDraft(SCOPE, "reply:t")).toBe("Which reasons?");
    expect(tab.storedDrafts(SCOPE)).toEqual([]);
    expect((await openTab()).readDraft(SCOPE, "reply:t")).toBeUndefined();
    tab.writeDraft(SCOPE, "reply:t", "Which reasons, since?");
    expect(tab.storedDrafts(SCOPE)).toEqual([{ name: "reply:t", value: "Which reasons, since?" }]);
  });
});
