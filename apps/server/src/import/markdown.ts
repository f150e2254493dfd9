import type { BlockKind } from "@marginalia/schema";
import MarkdownIt from "markdown-it";
import { ArticleBuilder } from "./builder.ts";
import { isByPrefixedByline, isReferencesHeading } from "./rules.ts";

type Token = ReturnType<MarkdownIt["parse"]>[number];

// Raw HTML is recognised only to be read as text: markup typed into Markdown is
// kept as literal text rather than interpreted, so nothing executable can come
// from this path. Comments are the exception: a page shows none of them (an
// editor's "do not publish" note), so they are dropped, as the HTML import drops them.
const md = new MarkdownIt({ html: true });
const COMMENTS = /<!--[\s\S]*?-->/g;
const withoutComments = (html: string) => html.replace(COMMENTS, "");

/** The words of an inline run, markup stripped; links keep their text. */
function inlineText(children: readonly Token[] | null): string {
  let text = "";
  for (const child of children ?? []) {
    if (child.type === "text" || child.type === "code_inline") text += child.content;
    else if (child.type === "softbreak" || child.type === "hardbreak") text += "\n";
    else if (child.type === "html_inline") text += withoutComments(child.content);
  }
  return text;
}

/** An image alone in its paragraph is a figure; its alt text is the caption. */
function loneImage(children: readonly Token[] | null): Token | null {
  const meaningful = (children ?? []).filter(
    (c) =>
      !["softbreak", "hardbreak", "link_open", "link_close"].includes(c.type) &&
      !(c.type === "text" && c.content.trim() === ""),
  );
  const [only] = meaningful;
  return meaningful.length === 1 && only?.type === "image" ? only : null;
}

export function readMarkdown(content: string): ArticleBuilder {
  const out = new ArticleBuilder();
  let quoteDepth = 0;
  let listDepth = 0;
  let headingLevel: number | null = null;
  // Level of the "References" heading whose section we are in, if any.
  let referencesLevel: number | null = null;
  let row: string[] | null = null;

  const bodyKind = (): BlockKind =>
    referencesLevel !== null ? "reference" : listDepth > 0 ? "list-item" : quoteDepth > 0 ? "quote" : "paragraph";

  const heading = (level: number, text: string) => {
    if (level === 1 && out.title === null) {
      out.add("title", text);
      return;
    }
    if (referencesLevel !== null && level <= referencesLevel) referencesLevel = null;
    if (out.add("heading", text, { level }) !== null && isReferencesHeading(text)) referencesLevel = level;
  };

  const paragraph = (token: Token) => {
    const image = loneImage(token.children);
    if (image) {
      out.add("caption", inlineText(image.children) || image.content);
      return;
    }
    const text = inlineText(token.children);
    const bylineSpot = out.lastKind === "title" && out.byline === null && quoteDepth === 0 && listDepth === 0;
    out.add(bylineSpot && isByPrefixedByline(text) ? "byline" : bodyKind(), text);
  };

  for (const token of md.parse(content, {})) {
    switch (token.type) {
      case "blockquote_open": quoteDepth++; break;
      case "blockquote_close": quoteDepth--; break;
      case "bullet_list_open":
      case "ordered_list_open": listDepth++; break;
      case "bullet_list_close":
      case "ordered_list_close": listDepth--; break;
      case "heading_open": headingLevel = Number(token.tag.slice(1)); break;
      case "heading_close": headingLevel = null; break;
      // Tables have no block kind of their own; a row reads as one line.
      case "tr_open": row = []; break;
      case "tr_close":
        if (row) out.add(bodyKind(), row.filter(Boolean).join(" | "));
        row = null;
        break;
      case "html_block": out.add(bodyKind(), withoutComments(token.content)); break;
      case "fence":
      case "code_block": out.add(bodyKind(), token.content, { keepLineBreaks: true }); break;
      case "inline":
        if (headingLevel !== null) heading(headingLevel, inlineText(token.children));
        else if (row) row.push(inlineText(token.children).trim());
        else paragraph(token);
        break;
    }
  }
  return out;
}
