import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import sanitizeHtml from "sanitize-html";
import { MAX_ARTICLE_BLOCKS, tooManyBlocks } from "../storable-text.ts";
import { ArticleBuilder, normalizeBlockText } from "./builder.ts";
import { keepIslandText } from "./html-islands.ts";
import { type DomNode, HtmlWalker } from "./html-walk.ts";

/**
 * Only tags that shape text survive; every attribute goes, which takes event
 * handlers and `javascript:` URLs with it. Table tags are kept beyond the
 * basic list so that cells stay apart instead of running into one word.
 */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "figure", "figcaption",
    "a", "em", "strong", "b", "i", "br", "pre", "code", "span", "div", "section", "article", "cite", "sup", "sub",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td",
  ],
  allowedAttributes: {},
  disallowedTagsMode: "discard",
  // Disallowed tags normally keep their text; these take it with them, since
  // it is code, form furniture or site navigation rather than article prose.
  nonTextTags: [
    "script", "style", "textarea", "option", "xmp", "noscript", "noembed", "noframes", "template", "title",
    "select", "button", "form", "iframe", "object", "svg", "math", "canvas", "nav", "aside", "footer",
  ],
  transformTags: { dt: "p", dd: "p", main: "div", header: "div" },
};

type Doc = { title?: string; body: DomNode & { innerHTML: string }; querySelectorAll(s: string): Iterable<DomNode> } & Parameters<typeof keepIslandText>[0];

/** A page as the readers take it: its MathML and SVG already their text (html-islands.ts). */
function toPage(html: string): Doc {
  const document = toDocument(html);
  keepIslandText(document);
  return document;
}

/** linkedom only builds a sane tree from a whole document, so fragments get wrapped. */
function toDocument(html: string): Doc {
  const whole = /<(html|body)[\s>]/i.test(html)
    ? html
    : `<!DOCTYPE html><html><head></head><body>${html.replace(/<!doctype[^>]*>/i, "")}</body></html>`;
  return parseHTML(whole).document as Doc;
}

/**
 * Readability takes its title from `<title>`, which often keeps the site name
 * ("Story | Site"); the page's own `<h1>` is the cleaner form when it matches.
 */
function pickTitle(readabilityTitle: string | null | undefined, h1s: string[]): string | null {
  const title = normalizeBlockText(readabilityTitle ?? "");
  // Without a <title>, the h1 is the title; Readability would demote it to an h2.
  if (!title) return h1s[0] ?? null;
  return h1s.find((h) => h.length >= 3 && title.includes(h)) ?? title;
}

type Parsed = { title: string | null; byline: string | null; html: string };

/** Elements each of which, holding any text, is a block of its own (html-walk.ts). */
const BLOCK_ELEMENTS = "p, h1, h2, h3, h4, h5, h6, pre, figcaption, tr";

/**
 * Refuses a page with more elements that make blocks than an article may have blocks, before Readability
 * reads it: it takes time in proportion to the page (100,000 short paragraphs took it half a minute, past
 * the import's time limit), and the builder's own refusal (builder.ts) would come only after it.
 */
function refuseManyBlocks(document: Doc): void {
  let count = 0;
  for (const node of document.querySelectorAll(BLOCK_ELEMENTS)) {
    if (node.textContent?.trim() && ++count > MAX_ARTICLE_BLOCKS) throw tooManyBlocks();
  }
}

function extract(content: string): Parsed {
  const document = toPage(content);
  refuseManyBlocks(document);
  // Readability rewrites the document, so look at the headings first.
  const h1s = [...document.querySelectorAll("h1")].map((h) => normalizeBlockText(h.textContent ?? "")).filter(Boolean);
  let article: ReturnType<Readability["parse"]> = null;
  try {
    article = new Readability(document).parse();
  } catch {
    // A page Readability cannot cope with is still worth reading whole.
    article = null;
  }
  if (article?.content) {
    return { title: pickTitle(article.title, h1s), byline: article.byline ?? null, html: article.content };
  }
  const fresh = toPage(content);
  return { title: pickTitle(fresh.title, h1s), byline: null, html: fresh.body.innerHTML };
}

export function readHtml(content: string): ArticleBuilder {
  const parsed = extract(content);
  const body = toDocument(sanitizeHtml(parsed.html, SANITIZE_OPTIONS)).body;
  const out = new ArticleBuilder();
  if (parsed.title) out.add("title", parsed.title);
  if (parsed.byline) out.add("byline", parsed.byline);
  new HtmlWalker(out).walk(body);
  // A page title over no content is not an article.
  return out.blocks.some((b) => b.kind !== "title" && b.kind !== "byline") ? out : new ArticleBuilder();
}
