import { closeBidi } from "./bidi.ts";
import { webUrl } from "./web-url.ts";

/**
 * Putting user text into Markdown safely. Annotations are written by many
 * people, and a report is rendered by whatever viewer the reader uses, so a
 * body must not be able to add headings, lists, raw HTML or, worst, links
 * whose text says one thing and whose target is another (`[x](javascript:…)`).
 */

/**
 * Characters that start inline structure anywhere in a line: emphasis, code,
 * links and images (the brackets), autolinks and HTML (`<`), entities (`&`),
 * GFM tables and strikethrough, and `#`/`>` for good measure (headings and
 * quotes are only recognised at the start, but escaping them everywhere is
 * simpler than proving where a line starts). The backslash comes first in the
 * class only for readability; every match gets one.
 */
const INLINE = /[\\`*_[\]<>&|~#]/g;

/** At the start of a line these make list items, setext underlines or thematic breaks. */
const LINE_START = /^([-+=])/;
/** `1.` or `1)` at the start of a line opens an ordered list. */
const ORDERED = /^(\d{1,9})([.)])/;

/**
 * Escapes text for one Markdown line or paragraph; newlines are kept and made harmless, and a bidirectional
 * control a line leaves open is closed there (bidi.ts), so that it cannot reverse the report's own words.
 */
export function escapeMarkdown(text: string): string {
  return closeBidi(text.replace(/\r\n?/g, "\n"))
    .split("\n")
    .map((line) =>
      line
        // Leading spaces would turn a line after a blank one into a code block.
        .replace(/^[ \t]+/, "")
        .replace(INLINE, "\\$&")
        .replace(LINE_START, "\\$1")
        .replace(ORDERED, "$1\\$2"),
    )
    .join("\n");
}

/** Inline text that must stay on one line: a heading, a list item's first line, a table cell. */
export function escapeInline(text: string): string {
  return escapeMarkdown(text.replace(/\s+/g, " ").trim());
}

/**
 * A link target we wrote ourselves from a checked http(s) URL. Anything else
 * is refused so that no other scheme can reach an `href`; parentheses and
 * spaces are percent-encoded so the destination cannot be closed early.
 */
export function safeUrl(url: string): string | null {
  return webUrl(url)?.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) ?? null;
}

/** `[text](url)`, or the escaped text alone when the URL is not one we will link to. */
export function link(text: string, url: string): string {
  const target = safeUrl(url);
  const label = escapeInline(text || url);
  return target ? `[${label}](${target})` : label;
}

/** Every line prefixed, so that a blank line in the text cannot end the quote early. */
export function blockquote(text: string): string {
  return escapeMarkdown(text)
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");
}

/** Continuation lines indented under a list item, for the same reason. */
export function listItem(text: string, indent = 0): string {
  const pad = " ".repeat(indent);
  const [first = "", ...rest] = text.split("\n");
  return [`${pad}- ${first}`, ...rest.map((line) => (line ? `${pad}  ${line}` : ""))].join("\n");
}
