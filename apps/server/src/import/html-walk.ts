import type { BlockKind } from "@marginalia/schema";
import { type ArticleBuilder, bylineName, normalizeBlockText } from "./builder.ts";
import { isByPrefixedByline, isReferencesHeading } from "./rules.ts";

/** The slice of the DOM the walker reads; linkedom nodes satisfy it. */
export type DomNode = {
  nodeType: number;
  nodeName: string;
  childNodes: Iterable<DomNode>;
  textContent: string | null;
};

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
const INLINE = new Set(["a", "em", "strong", "b", "i", "span", "code", "cite", "sup", "sub", "br"]);

/** Text of an inline run; `<br>` is a line break, which the builder reflows. */
function inlineText(node: DomNode): string {
  if (node.nodeType === TEXT_NODE) return node.textContent ?? "";
  if (node.nodeType !== ELEMENT_NODE) return "";
  if (node.nodeName.toLowerCase() === "br") return "\n";
  let text = "";
  for (const child of node.childNodes) text += inlineText(child);
  return text;
}

const sameText = (a: string, b: string) => normalizeBlockText(a).toLowerCase() === normalizeBlockText(b).toLowerCase();

/**
 * Turns sanitized article HTML into blocks. Loose text sitting directly in a
 * container (`<div>text<p>…</p></div>`) is gathered into its own block so that
 * nothing readable is skipped.
 */
export class HtmlWalker {
  // Level of the "References" heading whose section we are in, if any.
  private referencesLevel: number | null = null;

  constructor(private readonly out: ArticleBuilder) {}

  walk(container: DomNode, kind: BlockKind = "paragraph"): void {
    let pending = "";
    for (const node of container.childNodes) {
      if (node.nodeType === TEXT_NODE || INLINE.has(node.nodeName.toLowerCase())) {
        pending += inlineText(node);
        continue;
      }
      if (node.nodeType !== ELEMENT_NODE) continue;
      this.emit(kind, pending);
      pending = "";
      this.element(node, kind);
    }
    this.emit(kind, pending);
  }

  private element(node: DomNode, kind: BlockKind): void {
    const tag = node.nodeName.toLowerCase();
    if (/^h[1-6]$/.test(tag)) this.heading(Number(tag.slice(1)), inlineText(node));
    else if (tag === "p") this.emit(kind, inlineText(node));
    else if (tag === "pre") this.emit(kind, inlineText(node), true);
    else if (tag === "figcaption") this.emit("caption", inlineText(node));
    else if (tag === "blockquote") this.walk(node, "quote");
    else if (tag === "li") this.walk(node, "list-item");
    else if (tag === "tr") this.emit(kind, this.row(node));
    else this.walk(node, kind);
  }

  /** Tables have no block kind of their own; a row reads as one line of cells. */
  private row(tr: DomNode): string {
    const cells: string[] = [];
    for (const cell of tr.childNodes) {
      const text = normalizeBlockText(inlineText(cell));
      if (text) cells.push(text);
    }
    return cells.join(" | ");
  }

  private heading(level: number, raw: string): void {
    const { out } = this;
    // Readability hands the title over separately, and pages often repeat it as the first heading.
    if (out.title !== null && sameText(raw, out.title) && !out.has("paragraph")) return;
    if (level === 1 && out.title === null) {
      out.add("title", raw);
      return;
    }
    if (this.referencesLevel !== null && level <= this.referencesLevel) this.referencesLevel = null;
    const text = out.add("heading", raw, { level });
    if (text !== null && isReferencesHeading(text)) this.referencesLevel = level;
  }

  private emit(kind: BlockKind, raw: string, keepLineBreaks = false): void {
    const { out } = this;
    if (kind === "paragraph" && !out.has("paragraph") && isByPrefixedByline(raw)) {
      // Readability may report the byline and leave its element in the content too.
      if (out.byline !== null && sameText(bylineName(raw), out.byline)) return;
      if (out.byline === null && out.lastKind === "title") {
        out.add("byline", raw);
        return;
      }
    }
    const effective = this.referencesLevel !== null && kind !== "caption" ? "reference" : kind;
    out.add(effective, raw, { keepLineBreaks });
  }
}
