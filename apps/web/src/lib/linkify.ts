import { safeHref } from "./safe-url.ts";

export type Segment = { text: string; href?: string };

// Candidate URLs; every candidate is still checked by safeHref.
const URL_LIKE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends a sentence rather than the URL.
const TRAILING = new Set([".", ",", ";", ":", "!", "?", "]", "}", "'", '"']);
const count = (s: string, ch: string) => s.split(ch).length - 1;

/** A URL without the punctuation after it; a ")" stays when the URL opened it (Wikipedia links). */
function trimTrailing(candidate: string): string {
  let url = candidate;
  for (;;) {
    const last = url.at(-1);
    if (last && TRAILING.has(last)) url = url.slice(0, -1);
    else if (last === ")" && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
    else return url;
  }
}

/**
 * Splits plain text into text and http(s) link segments. The result is meant
 * to be rendered as text nodes and <a> elements, never as HTML.
 */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_LIKE)) {
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    const at = match.index ?? 0;
    if (at > last) out.push({ text: text.slice(last, at) });
    out.push({ text: candidate, href });
    last = at + candidate.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
