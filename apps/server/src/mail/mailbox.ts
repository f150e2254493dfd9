import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MailMessage } from "./message.ts";

// One folder per recipient, one JSON file per message: a developer (or a test) opens the
// recipient's folder instead of searching every message sent.
const folderOf = (dir: string, to: string) => path.join(dir, encodeURIComponent(to.toLowerCase()));

/** Writes a message into a mail folder (`MAIL_URL=file:<dir>`): what a mail catcher would show. */
export async function deliverToFolder(dir: string, message: MailMessage): Promise<void> {
  const folder = folderOf(dir, message.to);
  await mkdir(folder, { recursive: true });
  const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${crypto.randomUUID().slice(0, 8)}.json`;
  // Written aside and renamed into place, so that a reader never meets half a message.
  const partial = path.join(folder, `.${name}.partial`);
  await writeFile(partial, JSON.stringify({ ...message, sentAt: new Date().toISOString() }, null, 2));
  await rename(partial, path.join(folder, name));
}

/** Every message delivered to `to` in a mail folder, oldest first. */
export async function readMailbox(dir: string, to: string): Promise<Array<MailMessage & { sentAt: string }>> {
  const folder = folderOf(dir, to);
  const names = await readdir(folder).catch(() => [] as string[]);
  const messages = await Promise.all(names.filter((name) => name.endsWith(".json")).sort().map(async (name) => JSON.parse(await readFile(path.join(folder, name), "utf8"))));
  return messages;
}

/**
 * The token in the newest mail to `to` linking to `page` (`/confirm`, the sign-up's; `/reset-password`, a
 * password reset's), once it arrives (delivery runs after the request has been answered). For development
 * tools and tests that go through the real flows.
 */
export async function awaitMailedToken(dir: string, to: string, page: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const link = new RegExp(`${page}#token=([a-z2-9]+)`);
  for (;;) {
    const token = (await readMailbox(dir, to)).reverse().map((m) => m.text.match(link)?.[1]).find(Boolean);
    if (token) return token;
    if (Date.now() > deadline) throw new Error(`no mail linking to ${page} for ${to} in ${dir} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The token of the newest sign-up confirmation mailed to `to`, once it arrives. */
export const awaitSignupToken = (dir: string, to: string, timeoutMs?: number) => awaitMailedToken(dir, to, "/confirm", timeoutMs);
