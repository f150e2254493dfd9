import { afterAll, beforeAll } from "vitest";
import type { ServerProcess } from "../../../server/test/support/process.ts";
import { startAppServer } from "./server.ts";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";

/** Debian's Chromium; never a downloaded one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
/** Outside CI a machine without Chromium skips the browser suites; in CI they must run (and fail loudly). */
export const skipBrowserSuites = !available && process.env.CI !== "true";

export function announceSkip(suite: string) {
  if (!skipBrowserSuites) return;
  console.warn(
    `[marginalia web] SKIPPED browser suite "${suite}": no Chromium at ${CHROMIUM}. ` +
      "Install it (apt-get install chromium) or set CHROMIUM_PATH; with CI=true this is a failure instead.",
  );
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

export const SCREENSHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** A fresh browser profile per user, with the page's errors collected so a test can assert there were none. */
export async function newUserPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const user = { context, errors: [] as string[] };
  return { ...user, page: await anotherPage(user) };
}

/** Another tab of the same user (a page reopened after one was closed), its errors collected with theirs. */
export async function anotherPage(user: { context: BrowserContext; errors: string[] }): Promise<Page> {
  const page = await user.context.newPage();
  page.on("pageerror", (err) => user.errors.push(err.message));
  return page;
}

/**
 * One server and one Chromium for a suite, started together in its
 * beforeAll and stopped in its afterAll; `env` adds to the server's environment.
 */
export function chromiumSuite(env: Record<string, string> = {}) {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startAppServer(env), launchBrowser()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get base(): string {
      return server!.url;
    },
    get browser(): Browser {
      return browser!;
    },
  };
}
