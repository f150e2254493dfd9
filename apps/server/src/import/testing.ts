import { expect } from "vitest";
import type { Block, BlockKind } from "@marginalia/schema";
import type { ImportedArticle } from "./article.ts";

/** The text of one block, sliced by code points as annotation selectors do. */
export function blockText(article: ImportedArticle, block: Block): string {
  return Array.from(article.text).slice(block.start, block.end).join("");
}

export function textsOf(article: ImportedArticle, kind: BlockKind): string[] {
  return article.blocks.filter((b) => b.kind === kind).map((b) => blockText(article, b));
}

/**
 * Blocks tile the text in order: each slice is already trimmed, and the gaps
 * between them are exactly the blank-line separators.
 */
export function expectWellFormed(article: ImportedArticle): void {
  const pieces = article.blocks.map((b) => blockText(article, b));
  for (const piece of pieces) {
    expect(piece.length).toBeGreaterThan(0);
    expect(piece).toBe(piece.trim());
  }
  article.blocks.forEach((b, i) => {
    expect(b.end).toBeGreaterThan(b.start);
    const prev = article.blocks[i - 1];
    if (prev) expect(b.start).toBe(prev.end + 2);
  });
  expect(pieces.join("\n\n")).toBe(article.text);
}
