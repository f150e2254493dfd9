import { type Block, type BlockKind, asOneLine } from "@marginalia/schema";
import { MAX_ARTICLE_BLOCKS, tooManyBlocks } from "../storable-text.ts";

const SURROGATE_PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Blocks are separated by one blank line in the normalized text. */
export const BLOCK_SEPARATOR = "\n\n";
const SEPARATOR_LENGTH = codePointLength(BLOCK_SEPARATOR);

export type AddOptions = {
  level?: number;
  /** Preformatted text keeps its line breaks; everything else reflows. */
  keepLineBreaks?: boolean;
  /** The source's page, for PDFs. */
  page?: number;
};

/**
 * Offsets are counted in code points because annotation selectors are, and a
 * UTF-16 count would drift by one after every astral character (emoji, rare CJK).
 */
export function codePointLength(text: string): number {
  // Each surrogate pair is two UTF-16 units and one code point; counted by a native scan, not a loop over characters.
  return text.length - (text.match(SURROGATE_PAIRS)?.length ?? 0);
}

/**
 * Soft line breaks in the source (wrapped HTML, Markdown, e-mail text) are not
 * part of the article's wording, so a whitespace run that holds one becomes a
 * single space. Other characters, NBSPs and combining marks included, are left
 * alone: annotations quote the text exactly as the author wrote it.
 */
export function normalizeBlockText(raw: string, keepLineBreaks = false): string {
  const text = raw.replace(/\r\n?/g, "\n");
  // Without a line break there is nothing to reflow (PDF paragraphs come joined already).
  if (keepLineBreaks || !text.includes("\n")) return text.trim();
  // One greedy match per run, tested afterwards: a `\s*\n\s*` pattern would
  // backtrack quadratically over long runs of spaces.
  return text.replace(/\s+/g, (run) => (run.includes("\n") ? " " : run)).trim();
}

/** "By Jane Doe" names Jane Doe; a bare name is returned as is. */
export function bylineName(text: string): string {
  return text.replace(/^by\s+/i, "").trim();
}

/**
 * Accumulates the normalized text and its block map. Every format goes through
 * here so that offsets are computed in exactly one place.
 */
export class ArticleBuilder {
  readonly blocks: Block[] = [];
  title: string | null = null;
  byline: string | null = null;
  private readonly parts: string[] = [];
  private readonly kinds = new Set<BlockKind>();
  private offset = 0;

  /**
   * Returns the block's normalized text, or null when nothing was left to add. Refuses a block past
   * MAX_ARTICLE_BLOCKS: every format's reader builds here, so the import stops there, before anything is stored.
   */
  add(kind: BlockKind, raw: string, options: AddOptions = {}): string | null {
    // A title or byline block holds what the article's title and byline do, which a name's rules keep to
    // one line without bidi overrides (asOneLine): otherwise the text kept the "\u202E" the title lost.
    const text = normalizeBlockText(kind === "title" || kind === "byline" ? asOneLine(raw) : raw, options.keepLineBreaks);
    if (!text) return null;
    if (this.blocks.length >= MAX_ARTICLE_BLOCKS) throw tooManyBlocks();
    if (this.parts.length > 0) this.offset += SEPARATOR_LENGTH;
    const start = this.offset;
    this.offset += codePointLength(text);
    this.parts.push(text);
    const block: Block = { kind, start, end: this.offset };
    if (options.level !== undefined) block.level = options.level;
    if (options.page !== undefined) block.page = options.page;
    this.blocks.push(block);
    this.kinds.add(kind);
    if (kind === "title" && this.title === null) this.title = text;
    if (kind === "byline" && this.byline === null) this.byline = bylineName(text);
    return text;
  }

  has(kind: BlockKind): boolean {
    return this.kinds.has(kind);
  }

  get lastKind(): BlockKind | undefined {
    return this.blocks.at(-1)?.kind;
  }

  get text(): string {
    return this.parts.join(BLOCK_SEPARATOR);
  }

  /** The text of each block, in order, for callers that pick a fallback title. */
  get blockTexts(): readonly string[] {
    return this.parts;
  }
}
