import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signupTokenFor } from "../../../server/test/support/mail.ts";
import { newUserPage } from "./browser.ts";

/** The article `pnpm start` seeds as the demo. */
export const SEED_ARTICLE = readFileSync(new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url), "utf8");
export const SEED_TITLE = "How to counter Russia-Iran deepening ties?";

let counter = 0;
export function newUser(label: string) {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { name: `${label} ${id.slice(-4)}`, email: `${label.toLowerCase().replace(/\s+/g, "-")}-${id}@example.test`, password: "correct horse battery" };
}
export type TestUser = ReturnType<typeof newUser> & { id: string };

export async function call<T>(context: BrowserContext, base: string, method: string, route: string, data?: unknown): Promise<T> {
  const send = () => context.request.fetch(base + route, { method, ...(data !== undefined && { data }) });
  // A kept-alive connection the server closes as idle just as it is reused resets the request; browsers send
  // a request that changes nothing once more when that happens, and so does this.
  const res = await send().catch((err: Error) => {
    if (method !== "GET" || !/ECONNRESET|socket hang up/.test(err.message)) throw err;
    return send();
  });
  if (!res.ok()) throw new Error(`${method} ${route} → ${res.status()} ${await res.text()}`);
  return (res.status() === 204 ? null : await res.json()) as T;
}

/** Signs up through the API; the context keeps the session cookie, as the page would. */
export async function signUpApi(context: BrowserContext, base: string, label: string): Promise<TestUser> {
  const user = newUser(label);
  await call(context, base, "POST", "/api/auth/signup", user);
  const { user: created } = await call<{ user: { id: string } }>(context, base, "POST", "/api/auth/confirm", {
    token: await signupTokenFor(user.email),
    password: user.password,
  });
  return { ...user, id: created.id };
}

/** The owner invites `member` by email and the member, in their own browser context, accepts. */
export async function addMember(owner: BrowserContext, base: string, groupId: string, member: { context: BrowserContext; email: string; role: string }) {
  const { invitation } = await call<{ invitation: { id: string } }>(owner, base, "POST", `/api/groups/${groupId}/invitations`, { email: member.email, role: member.role });
  await call(member.context, base, "POST", `/api/invitations/${invitation.id}/accept`);
}

/** Posts an annotation on `quote` (its first occurrence) through the API and returns its id. Targets count code points. */
export async function annotate(context: BrowserContext, base: string, articleId: string, quote: string, body: object): Promise<string> {
  const { text } = await call<{ text: string }>(context, base, "GET", `/api/articles/${articleId}`);
  const start = [...text.slice(0, text.indexOf(quote))].length;
  const target = { revision: 1, exact: quote, prefix: "", suffix: "", start, end: start + [...quote].length };
  return (await call<{ id: string }>(context, base, "POST", `/api/articles/${articleId}/annotations`, { target, ...body })).id;
}

/** A group owned by `owner` holding the seed article, with the other users as members (each invited, and accepting). */
export async function groupWithSeedArticle(
  owner: BrowserContext,
  base: string,
  members: Array<{ context: BrowserContext; email: string; role: string }>,
  moderation: "open" | "pre" = "open",
): Promise<{ groupId: string; articleId: string }> {
  const group = await call<{ id: string }>(owner, base, "POST", "/api/groups", { name: `Desk ${Date.now()}`, moderation });
  for (const m of members) await addMember(owner, base, group.id, m);
  const article = await call<{ id: string }>(owner, base, "POST", `/api/groups/${group.id}/articles`, { format: "text", content: SEED_ARTICLE });
  return { groupId: group.id, articleId: article.id };
}

export async function setRole(owner: BrowserContext, base: string, groupId: string, userId: string, role: string) {
  await call(owner, base, "PATCH", `/api/groups/${groupId}/members/${userId}`, { role });
}

/** Opens the reader and waits until the live document is joined and everything is saved. */
export async function openReader(page: Page, base: string, articleId: string) {
  await page.goto(`${base}/articles/${articleId}`);
  await page.getByRole("heading", { level: 1, name: SEED_TITLE }).waitFor();
  await page.getByRole("status", { name: "Saved" }).waitFor();
}

/** The centre of the character `offset` code units into `text` in the article, scrolled into view. */
export async function pointInText(page: Page, text: string, offset: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([needle, n]) => {
      for (const el of document.querySelectorAll<HTMLElement>("article [data-block]")) {
        const node = el.firstChild as Text | null;
        const at = node?.data.indexOf(needle) ?? -1;
        if (!node || at < 0) continue;
        el.scrollIntoView({ block: "center" });
        const range = document.createRange();
        range.setStart(node, at + n);
        range.setEnd(node, at + n + 1);
        const rect = range.getBoundingClientRect();
        return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
      }
      throw new Error(`not in the article: ${needle}`);
    },
    [text, offset] as const,
  );
}

/**
 * Selects `text` in the article with the mouse, as a reader would: press at its first character, release after
 * its last. In a right-to-left block a character starts at its right edge and ends at its left one.
 */
export async function selectWithMouse(page: Page, text: string) {
  // The page may still move between measuring and pressing (a scroll settling, highlights painting in):
  // measure after the scroll, and start again when the selection made is not the one asked for.
  for (let attempt = 1; ; attempt++) {
    await page.evaluate((needle) => {
      const block = [...document.querySelectorAll<HTMLElement>("article [data-block]")].find((el) => (el.firstChild as Text | null)?.data.includes(needle));
      if (!block) throw new Error(`not in the article: ${needle}`);
      block.scrollIntoView({ block: "center", behavior: "instant" });
    }, text);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const points = await page.evaluate((needle) => {
      for (const el of document.querySelectorAll<HTMLElement>("article [data-block]")) {
        const node = el.firstChild as Text | null;
        const at = node?.data.indexOf(needle) ?? -1;
        if (!node || at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + 1);
        const first = range.getBoundingClientRect();
        range.setStart(node, at + needle.length - 1);
        range.setEnd(node, at + needle.length);
        const last = range.getBoundingClientRect();
        const rtl = getComputedStyle(el).direction === "rtl";
        const y1 = first.top + first.height / 2;
        const y2 = last.top + last.height / 2;
        return rtl ? { x1: first.right - 1, y1, x2: last.left + 1, y2 } : { x1: first.left + 1, y1, x2: last.right - 1, y2 };
      }
      throw new Error(`not in the article: ${needle}`);
    }, text);
    // A press inside an existing selection would drag it instead of starting a new one.
    await page.evaluate(() => document.getSelection()?.removeAllRanges());
    await page.mouse.move(points.x1, points.y1);
    await page.mouse.down();
    await page.mouse.move(points.x2, points.y2, { steps: 8 });
    await page.mouse.up();
    const selected = await page.evaluate(() => document.getSelection()?.toString() ?? "");
    if (selected.replace(/\s+/g, " ").trim() === text) return;
    if (attempt === 3) throw new Error(`selected ${JSON.stringify(selected)} instead of ${JSON.stringify(text)}`);
  }
}

/** How many ranges each named highlight layer paints. */
export function highlightSizes(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const sizes: Record<string, number> = {};
    CSS.highlights.forEach((highlight, name) => (sizes[name] = highlight.size));
    return sizes;
  });
}

/** The drafts (apps/web/src/app/drafts.ts) this browser holds in its storage, by key. */
export const storedDrafts = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("marginalia.draft:")));

/** The thread card for an annotation whose quote contains `text` and whose kind label is `kind`. */
export function threadCard(page: Page, kind: "Highlight" | "Comment" | "Fact-check", author: string) {
  return page.getByRole("article", { name: `${kind} by ${author}` });
}

/** Alice and Bob (an annotator of Alice's group, which holds the seed article) in two browser contexts. */
export async function twoMembers(browser: Browser, base: string, moderation: "open" | "pre" = "open") {
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);
  const alice = await signUpApi(a.context, base, "Alice");
  const bob = await signUpApi(b.context, base, "Bob");
  const { articleId, groupId } = await groupWithSeedArticle(a.context, base, [{ context: b.context, email: bob.email, role: "annotator" }], moderation);
  return { base, a, b, alice, bob, articleId, groupId };
}

/** Alice and Bob (twoMembers), both reading the seed article. */
export async function twoReaders(browser: Browser, base: string) {
  const members = await twoMembers(browser, base);
  const { a, b, articleId } = members;
  await Promise.all([openReader(a.page, base, articleId), openReader(b.page, base, articleId)]);
  return members;
}
