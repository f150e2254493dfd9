import type { Page } from "playwright-core";

/**
 * Starts recording what the app's one live region (#announcer) says, in order, and returns a reader of
 * the record. The region is emptied before each message so that a repeat is spoken again; only the
 * messages are kept.
 */
export async function recordAnnouncements(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const region = document.getElementById("announcer");
    if (!region) throw new Error("no #announcer in the page");
    const said: string[] = [];
    (window as unknown as { said: string[] }).said = said;
    new MutationObserver(() => {
      if (region.textContent) said.push(region.textContent);
    }).observe(region, { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => [...(window as unknown as { said: string[] }).said]);
}
