import type { BlockKind } from "@marginalia/schema";
import { type ImportedArticle, readArticle } from "./article.ts";
import { ArticleBuilder } from "./builder.ts";
import { isCitation, looksLikeByline, looksLikeCaption, looksLikeTitle, wordCount } from "./plain-text-rules.ts";
import {
  endsWithClosingPunctuation,
  isAboutAuthorLabel,
  isByPrefixedByline,
  isPageChrome,
  isReferencesHeading,
} from "./rules.ts";

type Unit = { text: string; group: number; kind?: BlockKind; level?: number };

const BULLET = /^[-*•]\s+/;
const NUMBERED = /^\d{1,3}[.)]\s+/;
const HEADING_MAX_LENGTH = 120;

/**
 * A plain-text article, read where the other formats' readers are not loaded
 * (the demo's seed on the server's own thread, the bench): import/article.ts.
 */
export function readTextArticle(content: string): ImportedArticle {
  return readArticle({ format: "text", content }, readPlainText);
}

/**
 * Plain text carries no markup, so structure is inferred from layout: the
 * lines of a pasted web article (byline, title, photo caption, section
 * headings, citation list, author bio) each sit on a line of their own.
 */
export function readPlainText(content: string): ArticleBuilder {
  const units = dropChromeAndMarkBio(splitUnits(content));
  markReferences(units);
  markHead(units);
  markBody(units);
  const out = new ArticleBuilder();
  for (const u of units) out.add(u.kind ?? "paragraph", u.text, u.level === undefined ? {} : { level: u.level });
  return out;
}

/**
 * Blank lines separate groups, and within a group each line stands alone
 * (a pasted page puts "About the Author", the bio and "Related Posts" on
 * consecutive lines). A group that reads like prose hard-wrapped at a fixed
 * width is the exception and stays one paragraph.
 */
function splitUnits(content: string): Unit[] {
  const units: Unit[] = [];
  let lines: string[] = [];
  let group = 0;
  const flush = () => {
    if (lines.length === 0) return;
    if (isHardWrapped(lines)) units.push({ text: lines.map((l) => l.trim()).join("\n"), group });
    else for (const line of lines) units.push({ text: line.trim(), group });
    lines = [];
    group++;
  };
  for (const line of content.replace(/\r\n?/g, "\n").split("\n")) {
    if (line.trim() === "") flush();
    else lines.push(line);
  }
  flush();
  return units;
}

function isHardWrapped(lines: string[]): boolean {
  if (lines.length < 2) return false;
  const body = lines.slice(0, -1).map((l) => l.trim());
  const widest = body.reduce((max, l) => Math.max(max, l.length), 0);
  return (
    body.every((l) => l.length >= 40 && l.length <= 100 && !endsWithClosingPunctuation(l)) &&
    (lines.at(-1) ?? "").trim().length <= widest + 5 &&
    !lines.some((l) => BULLET.test(l.trim()) || NUMBERED.test(l.trim()) || isPageChrome(l) || isCitation(l))
  );
}

/**
 * "About the Author" is a label, not content; the bio under it is what the
 * reader wants: the next line and the rest of its group, up to the next chrome.
 */
function dropChromeAndMarkBio(units: Unit[]): Unit[] {
  const kept: Unit[] = [];
  let bioGroup: number | null = null;
  let bioPending = false;
  for (const unit of units) {
    if (isAboutAuthorLabel(unit.text)) {
      bioPending = true;
      bioGroup = null;
      continue;
    }
    if (isPageChrome(unit.text)) {
      bioPending = false;
      bioGroup = null;
      continue;
    }
    if (bioPending) {
      bioPending = false;
      bioGroup = unit.group;
    } else if (bioGroup !== unit.group) bioGroup = null;
    kept.push(bioGroup === null ? unit : { ...unit, kind: "bio" });
  }
  return kept;
}

/**
 * An explicit "References" heading claims every line after it; without one, a
 * trailing run of citation-looking lines is the reference list.
 */
function markReferences(units: Unit[]): void {
  const headingAt = units.findIndex((u) => !u.kind && isReferencesHeading(u.text));
  if (headingAt > 0) {
    units[headingAt] = { ...units[headingAt]!, kind: "heading", level: 2 };
    for (const u of units.slice(headingAt + 1)) if (!u.kind) u.kind = "reference";
    return;
  }
  const candidates = units.filter((u) => u.kind !== "bio");
  let run = 0;
  while (run < candidates.length && isCitation(candidates[candidates.length - 1 - run]!.text)) run++;
  const strong = run === 1 && /available (at|from)|doi|https?:\/\//i.test(candidates.at(-1)!.text);
  if (run >= 2 || strong) for (const u of candidates.slice(-run)) u.kind = "reference";
}

/**
 * Byline, title and caption open the article, in that order or with the
 * byline under the title. Only untouched units qualify: a first line already
 * claimed as a reference or bio is not a title.
 */
function markHead(units: Unit[]): void {
  const open = (i: number) => {
    const u = units[i];
    return u && !u.kind ? u : undefined;
  };
  const first = open(0);
  const second = open(1);
  let i = 0;
  if (first && second && looksLikeByline(first.text) && looksLikeTitle(second.text)) {
    if (!isBylineBelow(first.text, second.text)) {
      first.kind = "byline";
      i = 1;
    }
  }
  const title = open(i);
  // A lone line is the whole article, not a title over nothing.
  if (!title || !looksLikeTitle(title.text) || i + 1 >= units.length) return;
  title.kind = "title";
  i++;
  const below = open(i);
  if (i === 1 && below && isBylineBelow(title.text, below.text)) {
    below.kind = "byline";
    i++;
  }
  const caption = open(i);
  if (caption && looksLikeCaption(caption.text, units[i + 1]?.text)) caption.kind = "caption";
}

/**
 * Whether the lower of two opening lines is the byline: it says "By …", or
 * both read like names ("Climate Change Is Real" over "Jane Doe") and the
 * lower one is shorter, since titles run longer than names.
 */
function isBylineBelow(upper: string, lower: string): boolean {
  if (isByPrefixedByline(lower)) return true;
  return (
    !isByPrefixedByline(upper) &&
    looksLikeByline(upper) &&
    looksLikeByline(lower) &&
    wordCount(lower) < wordCount(upper)
  );
}

function markBody(units: Unit[]): void {
  units.forEach((u, i) => {
    if (u.kind) return;
    const numberedRun = [units[i - 1], units[i + 1]].some((n) => n !== undefined && NUMBERED.test(n.text));
    if (BULLET.test(u.text) || (NUMBERED.test(u.text) && numberedRun)) {
      u.kind = "list-item";
      u.text = u.text.replace(BULLET.test(u.text) ? BULLET : NUMBERED, "");
    } else if (u.text.length <= HEADING_MAX_LENGTH && !endsWithClosingPunctuation(u.text)) {
      u.kind = "heading";
      u.level = 2;
    }
  });
}
