// The reader benchmark's browser side: an owner signed in through the API, one article per size with
// its annotations written over a sync socket, and fresh browser profiles that open the reader on it.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { annotationsOf } from "@marginalia/schema";
import { awaitSignupToken } from "@marginalia/server/mail/mailbox.ts";
import { type ProbeState, probeScript } from "./probe.ts";
import { type Writer, annotationsFor, openWriter } from "./seed.ts";

export type Seeded = { size: number; articleId: string; writer: Writer; text: string; revision: number; authorId: string };

async function call<T>(context: BrowserContext, url: string, method: string, route: string, data?: unknown): Promise<T> {
  const res = await context.request.fetch(url + route, { method, ...(data !== undefined && { data }) });
  if (!res.ok()) throw new Error(`${method} ${route} → ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Signs an owner up, and makes a group with one article per size, each holding that many annotations. */
export async function seedArticles(browser: Browser, url: string, article: string, sizes: number[], mailDir: string) {
  const owner = await browser.newContext();
  const id = crypto.randomUUID().slice(0, 8);
  const email = `reader-bench-${id}@bench.test`;
  // Sign-up is confirmed from the mail it sends (a file here), which signs the browser context in.
  await call(owner, url, "POST", "/api/auth/signup", { name: `Bench ${id}`, email, password: "bench password" });
  await call(owner, url, "POST", "/api/auth/confirm", { token: await awaitSignupToken(mailDir, email), password: "bench password" });
  const { token } = await call<{ token: string }>(owner, url, "POST", "/api/tokens", { name: "reader bench" });
  const group = await call<{ id: string }>(owner, url, "POST", "/api/groups", { name: `Reader bench ${id}` });
  const seeded: Seeded[] = [];
  for (const size of sizes) {
    const { id: articleId } = await call<{ id: string }>(owner, url, "POST", `/api/groups/${group.id}/articles`, { format: "text", content: article });
    const read = await call<{ text: string; revision: number; memberId: string; sync: { room: string } }>(owner, url, "GET", `/api/articles/${articleId}`);
    const writer = await openWriter(url, read.sync.room, token);
    const started = performance.now();
    await writer.write(annotationsFor(read.text, read.revision, read.memberId, size));
    console.log(`seeded ${size} annotations in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    seeded.push({ size, articleId, writer, text: read.text, revision: read.revision, authorId: read.memberId });
  }
  const { cookies } = await owner.storageState();
  await owner.close();
  return { seeded, cookies };
}

export type Cookies = Awaited<ReturnType<BrowserContext["storageState"]>>["cookies"];

/**
 * A page in a fresh profile (no HTTP cache, no IndexedDB copy of the document), signed in as the
 * owner, with the probe installed. Nothing is loaded yet.
 */
export async function freshPage(browser: Browser, cookies: Cookies, expected: number) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, storageState: { cookies, origins: [] } });
  await context.addInitScript({ content: probeScript(expected) });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  return { context, page, errors };
}

// Functions, not strings: the app's Content Security Policy forbids evaluating strings.
type Probed = { __mgBench: ProbeState };
export const probeState = (page: Page) => page.evaluate(() => (globalThis as unknown as Probed).__mgBench);

/** Navigates and resolves with the probe's state once every expected highlight is painted. */
export async function openAndWait(page: Page, url: string, articleId: string): Promise<ProbeState> {
  await page.goto(`${url}/articles/${articleId}`, { waitUntil: "commit" });
  await page.waitForFunction(() => (globalThis as unknown as Probed).__mgBench.paintedAt !== null, null, { timeout: 120_000, polling: 20 });
  return probeState(page);
}

/**
 * One remote annotation: written by the Node client at `sent`, timed in the page when its bytes
 * arrive and when the frame that paints it is done (both epoch ms on this machine's clock).
 */
export async function remoteOnce(page: Page, doc: Seeded, label: string): Promise<{ sendToPaint: number; arriveToPaint: number; id: string | undefined }> {
  const expected = annotationsOf(doc.writer.doc).size + 1;
  await page.evaluate(
    ([target, marker]) => Object.assign((globalThis as unknown as Probed).__mgBench, { target, marker, arrivedWall: null, paintedWall: null }),
    [expected, label] as const,
  );
  const [input] = annotationsFor(doc.text, doc.revision, doc.authorId, 1, Math.floor(Math.random() * 1e9));
  const sent = Date.now();
  const written = doc.writer.write([{ ...input!, kind: "comment", factcheck: null, body: label }]);
  await page.waitForFunction(() => (globalThis as unknown as Probed).__mgBench.paintedWall !== null, null, { timeout: 30_000, polling: 10 });
  const [id] = await written;
  const state = await probeState(page);
  return { sendToPaint: state.paintedWall! - sent, arriveToPaint: state.paintedWall! - (state.arrivedWall ?? sent), id };
}
