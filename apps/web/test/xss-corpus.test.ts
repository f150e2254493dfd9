import { CodePointIndex, buildTarget } from "@marginalia/schema";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signupTokenFor } from "../../server/test/support/mail.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { SEED_TITLE, addMember, groupWithSeedArticle, signUpApi } from "./support/flows.ts";

/**
 * The XSS corpus. Every payload goes everywhere a user can
 * put text that others see: comment and reply bodies, fact-check claims and
 * source titles, source URLs, account names, article titles and imported
 * HTML and Markdown articles. The app then renders all of it in Chromium,
 * with hovering, clicking and tabbing through it, and a global flag and the
 * dialog handler tell whether anything ran. Each payload sets the flag to its
 * own number, so a failure names the payload.
 */
const set = (n: number) => `window.__xss=${n}`;
const PAYLOADS: Array<(n: number) => string> = [
  (n) => `<script>${set(n)}</script>`,
  (n) => `<img src=x onerror="${set(n)}">`,
  (n) => `<svg onload="${set(n)}"></svg>`,
  (n) => `<svg><script>${set(n)}</script></svg>`,
  (n) => `<a href="javascript:${set(n)}">link</a>`,
  (n) => `javascript:${set(n)}`,
  (n) => `<iframe src="javascript:${set(n)}"></iframe>`,
  (n) => `<body onload="${set(n)}">`,
  (n) => `"><img src=x onerror=${set(n)}>`,
  (n) => `'><svg/onload=${set(n)}>`,
  (n) => `&lt;script&gt;${set(n)}&lt;/script&gt;`,
  (n) => `&#60;img src=x onerror=${set(n)}&#62;`,
  (n) => `<details open ontoggle="${set(n)}">x</details>`,
  (n) => `<math><mtext></p><img src=x onerror="${set(n)}"></mtext></math>`,
  (n) => `<noscript><p title="</noscript><img src=x onerror=${set(n)}>">`,
  (n) => `<object data="javascript:${set(n)}"></object>`,
  (n) => `<embed src="data:text/html,<script>parent.__xss=${n}</script>">`,
  (n) => `<form action="javascript:${set(n)}"><button>go</button></form>`,
  (n) => `<input autofocus onfocus="${set(n)}">`,
  (n) => `<video><source onerror="${set(n)}"></video>`,
  (n) => `[click](javascript:${set(n)})`,
  (n) => `![x](x" onerror="${set(n)})`,
  (n) => `<a href="jav&#x09;ascript:${set(n)}">tab</a>`,
  (n) => `<a href=" javascript:${set(n)}">space</a>`,
  (n) => `<svg><a xlink:href="javascript:${set(n)}"><text x="0" y="10">x</text></a></svg>`,
  (n) => `<base href="javascript:${set(n)}//">`,
  (n) => `<meta http-equiv="refresh" content="0;url=javascript:${set(n)}">`,
  (n) => `<img srcset="x" onerror="${set(n)}">`,
  (n) => `<svg><animate onbegin="${set(n)}" attributeName="x" dur="1s"/></svg>`,
  (n) => `<x onclick="${set(n)}">click me</x>`,
  (n) => `<a href="https://example.org" onmouseover="${set(n)}">hover</a>`,
  (n) => `</textarea><script>${set(n)}</script>`,
  (n) => `<style>*{background:url("javascript:${set(n)}")}</style>`,
  (n) => `{{constructor.constructor('${set(n)}')()}}`,
  (n) => `<img src="x\` \`<script>${set(n)}</script>"\` \`>`,
  (n) => `<scr<script>ipt>${set(n)}</scr</script>ipt>`,
  (n) => `data:text/html;base64,${Buffer.from(`<script>parent.__xss=${n}</script>`).toString("base64")}`,
  (n) => `\u202e<img src=x onerror=${set(n)}>\u202c`,
];
const corpus = PAYLOADS.map((make, i) => make(i + 1));

/** Records anything a payload could do: a dialog, or the flag it sets. */
function watch(page: Page) {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { dialogs, flag: () => page.evaluate(() => (window as { __xss?: unknown }).__xss ?? null) };
}

async function call<T>(context: BrowserContext, base: string, method: string, route: string, data?: unknown): Promise<{ status: number; body: T }> {
  const res = await context.request.fetch(base + route, { method, ...(data !== undefined && { data }) });
  return { status: res.status(), body: (res.status() === 204 ? null : await res.json()) as T };
}

async function ok<T>(context: BrowserContext, base: string, method: string, route: string, data?: unknown): Promise<T> {
  const res = await call<T>(context, base, method, route, data);
  if (res.status >= 300) throw new Error(`${method} ${route} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Touches everything the page shows: hovers and clicks every card and link-like element, then tabs around. */
async function interact(page: Page, scope: string) {
  const targets = page.locator(`${scope} :is(li, article, a, button:not([type=submit]), p, span, summary)`);
  const count = Math.min(await targets.count(), 60);
  for (let i = 0; i < count; i++) {
    const target = targets.nth(i);
    if (!(await target.isVisible())) continue;
    await target.hover({ timeout: 1_000 }).catch(() => {});
  }
  for (let i = 0; i < 25; i++) await page.keyboard.press("Tab");
}

/**
 * Nothing in `scope` came out of a payload as markup: no element of a kind the
 * app never renders there, no inline event handler, and no link or source
 * that is not http(s) or the app's own.
 */
async function nothingActive(page: Page, scope: string) {
  return page.locator(scope).evaluateAll((roots) => {
    const foreign = new Set(["SCRIPT", "IFRAME", "OBJECT", "EMBED", "BASE", "META", "MATH", "X", "IMG", "VIDEO", "SOURCE", "STYLE", "NOSCRIPT"]);
    const found: string[] = [];
    for (const root of roots) {
      for (const el of [root, ...root.querySelectorAll("*")]) {
        if (foreign.has(el.tagName.toUpperCase())) found.push(el.tagName.toLowerCase());
        for (const attr of el.attributes) {
          if (attr.name.toLowerCase().startsWith("on")) found.push(`${el.tagName.toLowerCase()}[${attr.name}]`);
          if (/^(href|src|srcset|action|formaction|data|xlink:href)$/i.test(attr.name) && !/^(https?:\/\/|\/|#|$)/i.test(attr.value.trim())) {
            found.push(`${el.tagName.toLowerCase()}[${attr.name}=${attr.value.slice(0, 40)}]`);
          }
        }
      }
    }
    return found;
  });
}

announceSkip("XSS corpus");

describe.skipIf(skipBrowserSuites)("the XSS corpus, in Chromium", () => {
  const suite = chromiumSuite();

  it(`renders ${corpus.length} payloads in bodies, claims, sources, names and imported articles as inert text`, async () => {
    const base = suite.base;
    const owner = await newUserPage(suite.browser);
    const guard = watch(owner.page);
    await signUpApi(owner.context, base, "Olga");
    const { groupId, articleId } = await groupWithSeedArticle(owner.context, base, []);

    // Accounts whose names are payloads join the group and write: names reach cards, members and notifications.
    const authors: BrowserContext[] = [];
    for (const [i, name] of corpus.slice(0, 12).entries()) {
      const { context } = await newUserPage(suite.browser);
      const email = `payload-${Date.now()}-${i}@example.test`;
      const password = "correct horse battery";
      await ok(context, base, "POST", "/api/auth/signup", { email, name, password });
      const created = await ok<{ user: { id: string } }>(context, base, "POST", "/api/auth/confirm", { token: await signupTokenFor(email), password });
      expect(created.user.id).toBeTruthy();
      await addMember(owner.context, base, groupId, { context, email: await meEmail(context, base), role: "annotator" });
      authors.push(context);
    }

    const article = await ok<{ text: string; revision: number }>(owner.context, base, "GET", `/api/articles/${articleId}`);
    const index = new CodePointIndex(article.text);
    const passages = ["Russia", "Iran", "United States", "sanctions", "Ukraine", "military"];
    let refused = 0;
    for (const [i, payload] of corpus.entries()) {
      const word = passages[i % passages.length]!;
      const at = article.text.indexOf(word);
      const range = { start: index.toCodePoint(at), end: index.toCodePoint(at + word.length) };
      const target = buildTarget(index, range, article.revision);
      const writer = authors[i % authors.length]!;
      const comment = await ok<{ id: string }>(writer, base, "POST", `/api/articles/${articleId}/annotations`, { kind: "comment", body: payload, target });
      await ok(owner.context, base, "POST", `/api/annotations/${comment.id}/replies`, { body: payload });
      await ok(writer, base, "POST", `/api/annotations/${comment.id}/replies`, { body: `re: ${payload}` });
      const factcheck = await ok<{ id: string }>(owner.context, base, "POST", `/api/articles/${articleId}/annotations`, {
        kind: "factcheck",
        body: payload,
        target,
        status: "published",
        factcheck: { claim: payload, verdict: "unverifiable", sources: [{ url: `https://example.org/?q=${encodeURIComponent(payload)}`, title: payload }] },
      });
      // The reply notifies the owner, with the payload-named writer as its actor.
      await ok(writer, base, "POST", `/api/annotations/${factcheck.id}/replies`, { body: payload });
      // A source URL that is not http(s) is refused whole, before it reaches any document.
      const bad = await call(writer, base, "POST", `/api/articles/${articleId}/annotations`, {
        kind: "factcheck",
        target,
        factcheck: { claim: "c", verdict: "false", sources: [{ url: `javascript:${set(i + 1)}`, title: "t" }] },
      });
      expect(bad.status).toBe(400);
      refused++;
    }

    // Imported articles: the payloads as an HTML document and as Markdown, and in their titles.
    const html =
      `<html><head><title>${corpus[1]}</title>${corpus[0]}</head><body><article><h1>HTML payloads</h1>` +
      corpus.map((p, i) => `<p>Paragraph ${i + 1}: ${p}</p>`).join("") +
      `</article></body></html>`;
    const markdown = `# Markdown payloads\n\n` + corpus.map((p, i) => `Paragraph ${i + 1}: ${p}\n\n[link ${i + 1}](javascript:${set(i + 1)})\n`).join("\n");
    const imported = [
      await ok<{ id: string }>(owner.context, base, "POST", `/api/groups/${groupId}/articles`, { format: "html", content: html }),
      await ok<{ id: string }>(owner.context, base, "POST", `/api/groups/${groupId}/articles`, { format: "markdown", content: markdown }),
    ];

    // The reader, with every card opened; the group screen with its articles and members; the notifications.
    await owner.page.goto(`${base}/articles/${articleId}`);
    await owner.page.getByRole("heading", { level: 1, name: SEED_TITLE }).waitFor();
    await owner.page.locator(".sidebar").getByText(corpus[0]!, { exact: false }).filter({ visible: true }).first().waitFor();
    for (const payload of [corpus[1]!, corpus[4]!, corpus[13]!]) {
      expect(await owner.page.locator(".sidebar").getByText(payload, { exact: false }).filter({ visible: true }).count()).toBeGreaterThan(0);
    }
    await interact(owner.page, ".sidebar");
    const reader = await nothingActive(owner.page, ".sidebar");
    await screenshot(owner.page, "xss-corpus-reader");

    await owner.page.goto(`${base}/groups/${groupId}`);
    const members = owner.page.locator("section[aria-labelledby=members-heading]");
    await members.getByText(corpus[2]!, { exact: false }).filter({ visible: true }).first().waitFor();
    await interact(owner.page, "main.page");
    const group = await nothingActive(owner.page, "main.page");

    const articles: string[][] = [];
    for (const { id } of imported) {
      await owner.page.goto(`${base}/articles/${id}`);
      await owner.page.locator("article.article").getByText("Paragraph 1:", { exact: false }).waitFor();
      await interact(owner.page, "article.article");
      articles.push(await nothingActive(owner.page, "article.article"));
    }

    await owner.page.goto(`${base}/articles/${articleId}`);
    await owner.page.locator("summary[aria-label^=Notifications]").click();
    await owner.page.getByText(corpus[3]!, { exact: false }).filter({ visible: true }).first().waitFor();
    await interact(owner.page, "body");
    const notifications = await nothingActive(owner.page, "[role=dialog], [role=menu], .notifications");

    expect(refused).toBe(corpus.length);
    expect(reader).toEqual([]);
    expect(group).toEqual([]);
    expect(articles).toEqual([[], []]);
    expect(notifications).toEqual([]);
    expect(await guard.flag(), "a payload ran (the flag holds its number)").toBeNull();
    expect(guard.dialogs).toEqual([]);
    expect(owner.errors).toEqual([]);
    console.log(`[reliability] xss-corpus ${JSON.stringify({ payloads: corpus.length, places: 9, renderedAnnotations: corpus.length * 5, namedAccounts: authors.length, ran: 0 })}`);
    for (const context of authors) await context.close();
    await owner.context.close();
  }, 180_000);
});

async function meEmail(context: BrowserContext, base: string): Promise<string> {
  const me = await ok<{ user: { email: string } }>(context, base, "GET", "/api/me");
  return me.user.email;
}
