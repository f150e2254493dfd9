/** One run of text as pdf.js reports it (the fields the layout reads). */
export type TextRun = { str?: string; transform: number[]; width?: number; height?: number; hasEOL?: boolean };
export type Line = { text: string; x: number; y: number; right: number; size: number };
export type Paragraph = { text: string; size: number };
export type PdfBlock = { kind: "title" | "heading" | "paragraph"; text: string; page: number; level?: number };

/**
 * Blocks packed: kinds as indices into PDF_BLOCK_KINDS, a level of 0 for none, and the texts one after
 * another in `text`, each `lengths[i]` UTF-16 units long.
 */
export type PackedPdfBlocks = { kinds: Uint8Array; levels: Uint8Array; pages: Int32Array; lengths: Int32Array; text: string };

/** What the PDF worker answers. */
export type PdfResult =
  | { ok: true; pages: number; title: string | null; author: string | null; blocks: PackedPdfBlocks }
  | { ok: false; reason: "encrypted" | "unreadable" | "too-long" | "no-text" | "too-much-memory" | "too-much-text"; pages?: number; detail?: string };

export function linesOf(items: readonly TextRun[]): Line[];
export function joinLines(texts: readonly string[]): string;
export function paragraphsOf(lines: readonly Line[]): Paragraph[];
export const PDF_BLOCK_KINDS: readonly PdfBlock["kind"][];
export function packBlocks(blocks: readonly PdfBlock[]): PackedPdfBlocks;
export function blocksOf(pages: readonly { page: number; paragraphs: Paragraph[] }[]): PdfBlock[];
