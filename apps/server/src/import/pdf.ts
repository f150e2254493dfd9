import { setImmediate as nextTurn } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { ApiError } from "../errors.ts";
import { MAX_ARTICLE_BYTES, articleTooLarge, storableText } from "../storable-text.ts";
import { Turns } from "../threads/turns.ts";
import { ArticleBuilder } from "./builder.ts";
import { type ImportMeta, type ImportedArticle, finishArticle } from "./article.ts";
import { PDF_BLOCK_KINDS } from "./pdf-layout.mjs";
import type { PackedPdfBlocks, PdfResult } from "./pdf-layout.d.mts";

export type PdfLimits = {
  maxPages: number;
  /** How long one PDF may take to read before its thread is stopped. */
  timeoutMs: number;
  /** The heap one PDF's thread may use, in MiB: a hostile file cannot take the process's memory. */
  maxHeapMb: number;
  /**
   * What the thread's ArrayBuffers may grow by, in MiB (pdf-memory.mjs): the heap limit does
   * not cover them, and a stream of a 2 MB file can inflate to gigabytes.
   */
  maxMemoryMb: number;
};

export const PDF_LIMITS: PdfLimits = { maxPages: 500, timeoutMs: 60_000, maxHeapMb: 512, maxMemoryMb: 256 };

/** PDFs read at once; the rest wait their turn, so that a burst of uploads cannot take every core. */
const turns = new Turns(2);

/** Blocks added to an article between turns of the event loop: many small paragraphs are not added in one step. */
const BLOCKS_PER_TURN = 2_000;

/** Reads the PDF on a thread of its own (pdf-worker.mjs), stopped at the time limit. */
export function readOnWorker(bytes: Uint8Array, limits: PdfLimits): Promise<PdfResult> {
  return new Promise((resolve) => {
    const own = bytes.slice();
    const worker = new Worker(new URL("./pdf-worker.mjs", import.meta.url), {
      workerData: { bytes: own, maxPages: limits.maxPages, maxMemoryMb: limits.maxMemoryMb, maxTextBytes: MAX_ARTICLE_BYTES },
      transferList: [own.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
      // pdf.js warns on stdout about fonts it works around; the import's answer says what matters.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const settle = (result: PdfResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => settle({ ok: false, reason: "unreadable", detail: `not read within ${limits.timeoutMs / 1000} s` }), limits.timeoutMs);
    worker.on("message", settle);
    worker.on("error", (err) => settle({ ok: false, reason: "unreadable", detail: err.message }));
    worker.on("exit", (code) => settle({ ok: false, reason: "unreadable", detail: `its reader stopped (${code})` }));
  });
}

/**
 * A PDF's text layer as an article: paragraphs in the order the pages draw
 * them, each block carrying its page (see docs/architecture.md, "Importing").
 * `field` names the request field the PDF came in, for the 4xx a bad one gets.
 * A NUL in the text (pdf.js maps some glyphs without Unicode to one) becomes
 * U+FFFD, as in what a sync socket brings (storable-text.ts): the text is
 * the server's reading of the file, which its sender cannot correct.
 */
export async function importPdf(bytes: Uint8Array, meta: ImportMeta, field: string, limits: PdfLimits = PDF_LIMITS): Promise<ImportedArticle> {
  if (!hasPdfHeader(bytes)) throw new ApiError("validation_failed", `${field}: not a PDF (no "%PDF-" header in its first ${HEADER_WINDOW} bytes)`, field);
  const result = await turns.run(() => readOnWorker(bytes, limits));
  if (!result.ok) throw pdfRefusal(result, field, limits);
  const article = await articleOf(result.blocks);
  if (article.blocks.length === 0) throw pdfRefusal({ ok: false, reason: "no-text", pages: result.pages }, field, limits);
  article.title ??= result.title && storableText(result.title);
  article.byline ??= result.author && storableText(result.author);
  return finishArticle(article, meta);
}

/** The article the PDF thread's blocks make, built a slice at a time (pdf-layout.mjs, `packBlocks`). */
async function articleOf({ kinds, levels, pages, lengths, text }: PackedPdfBlocks): Promise<ArticleBuilder> {
  const article = new ArticleBuilder();
  for (let i = 0, at = 0; i < kinds.length; i++) {
    if (i > 0 && i % BLOCKS_PER_TURN === 0) await nextTurn();
    const raw = text.slice(at, (at += lengths[i]!));
    article.add(PDF_BLOCK_KINDS[kinds[i]!]!, storableText(raw), { page: pages[i]!, level: levels[i] || undefined });
  }
  return article;
}

/** How far into a file its "%PDF-" header may start: readers allow some bytes before it, as Acrobat does. */
const HEADER_WINDOW = 1024;
const HEADER = new TextEncoder().encode("%PDF-");

/**
 * Whether the file says it is a PDF. A file that does not is refused here, at
 * once: it waited its turn at the two PDF threads and then for pdf.js to
 * load, 3–11 s on a busy host, only to be found unreadable.
 */
function hasPdfHeader(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, HEADER_WINDOW)).indexOf(HEADER) >= 0;
}

function pdfRefusal(result: Extract<PdfResult, { ok: false }>, field: string, limits: PdfLimits): ApiError {
  switch (result.reason) {
    case "no-text":
      return new ApiError("pdf_without_text", `${field}: the PDF has no text layer (a scan?); run it through OCR first`, field);
    case "too-long":
      return new ApiError("payload_too_large", `${field}: the PDF has ${result.pages} pages; at most ${limits.maxPages} are imported`, field);
    case "too-much-memory":
      return new ApiError("payload_too_large", `${field}: reading the PDF takes more than ${limits.maxMemoryMb} MiB (a stream that inflates to more)`, field);
    case "too-much-text":
      return articleTooLarge();
    case "encrypted":
      return new ApiError("validation_failed", `${field}: the PDF is protected by a password`, field);
    case "unreadable":
      return new ApiError("validation_failed", `${field}: not a readable PDF (${result.detail ?? "unknown error"})`, field);
  }
}
