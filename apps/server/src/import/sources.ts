import { type ArticleFormat, MAX_BYLINE_LENGTH, MAX_TITLE_LENGTH, type SourceFormat, asOneLine } from "@marginalia/schema";
import { ApiError } from "../errors.ts";
import { FETCH_DEFAULTS, type FetchLimits, type FetchedPage, fetchPage } from "../net/fetch-page.ts";
import { AccountTurns } from "./account-turns.ts";
import type { ImportMeta, ImportedArticle } from "./article.ts";
import { type TextImportLimits, importOffThread } from "./off-thread.ts";
import type { BlockSlices } from "./packed-blocks.ts";
import { PDF_LIMITS, type PdfLimits, importPdf } from "./pdf.ts";

/** Where an article's text comes from; `account`, whose import it is (see AccountTurns). */
export type ArticleSource = (
  /** `content`: text, or bytes that the import thread decodes, in `charset` (UTF-8 when absent). */
  | { kind: "text"; format: ArticleFormat; content: string | Uint8Array<ArrayBuffer>; charset?: string }
  /** `field`: the request field that held the PDF, named when it is refused. */
  | { kind: "pdf"; bytes: Uint8Array; field: string }
  | { kind: "url"; url: URL }
) & { account?: string };

export type ImportOptions = { allowPrivateUrls: boolean; fetch?: FetchLimits; pdf?: PdfLimits; text?: TextImportLimits };

export type SourcedArticle = { format: SourceFormat; imported: ImportedArticle<BlockSlices>; sourceUrl: string | null };

/** What a fetched page may be: an article page, plain text, or a PDF. */
const PAGE_FORMATS: Record<string, SourceFormat> = {
  "text/html": "html",
  "application/xhtml+xml": "html",
  "text/plain": "text",
  "application/pdf": "pdf",
};

const accounts = new AccountTurns();

/**
 * Reads an article from any source. Text goes straight to its reader; a PDF
 * to the PDF worker; a URL is fetched under the address guard and its page
 * read like an uploaded one (see docs/architecture.md, "Importing"). Accounts
 * take turns at the threads, which are the whole server's (account-turns.ts).
 */
export async function importSource(source: ArticleSource, meta: ImportMeta, options: ImportOptions): Promise<SourcedArticle> {
  const sourced = await accounts.run(source.account, bytesOf(source), () => readSource(source, meta, options));
  // A title or byline the source gave (a page's <title>, a PDF's metadata) is shown where names are, and
  // held to their one-line rule and length; the caller's own were refused already if they broke them.
  const { title, byline } = sourced.imported;
  const named = {
    title: clipped(asOneLine(title), MAX_TITLE_LENGTH) || "Untitled article",
    byline: byline === null ? null : clipped(asOneLine(byline), MAX_BYLINE_LENGTH) || null,
  };
  return { ...sourced, imported: { ...sourced.imported, ...named } };
}

/**
 * A source's name cut to `max` UTF-16 units, the schemas' measure, never inside a character, and marked
 * where cut. A page's 200,000-character <title> went whole into every listing, export and notification.
 */
function clipped(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uDC00-\uDFFF]/.test(text[end]!)) end--;
  return `${text.slice(0, end).trimEnd()}…`;
}

/** What a waiting import holds in memory: its body, read already (a URL's page is fetched in its turn). */
function bytesOf(source: ArticleSource): number {
  if (source.kind === "pdf") return source.bytes.byteLength;
  if (source.kind === "text") return typeof source.content === "string" ? source.content.length * 2 : source.content.byteLength;
  return 0;
}

async function readSource(source: ArticleSource, meta: ImportMeta, options: ImportOptions): Promise<SourcedArticle> {
  switch (source.kind) {
    case "text":
      return { format: source.format, imported: await importOffThread({ ...meta, format: source.format, content: source.content, charset: source.charset }, options.text), sourceUrl: null };
    case "pdf":
      return { format: "pdf", imported: await importPdf(source.bytes, meta, source.field, options.pdf), sourceUrl: null };
    case "url":
      return importUrl(source.url, meta, options);
  }
}

async function importUrl(url: URL, meta: ImportMeta, options: ImportOptions): Promise<SourcedArticle> {
  const page = await fetchPage(url, { ...(options.fetch ?? FETCH_DEFAULTS), allowPrivate: options.allowPrivateUrls, accept: Object.keys(PAGE_FORMATS) });
  const format = PAGE_FORMATS[page.mediaType]!;
  const sourceUrl = page.url.href;
  if (format === "pdf") return { format, imported: await importPdf(page.body, meta, "url", options.pdf ?? PDF_LIMITS), sourceUrl };
  try {
    // Decoded on the import thread: 10 MiB of a two-byte legacy charset took 270 ms on the event loop. The
    // bytes go over without a copy: the fetched body owns its memory (net/fetch-page.ts), and copying 9 MB
    // here, on top of the one that gathered it, held the event loop twice as long as an upload's.
    return { format, imported: await importOffThread({ ...meta, format, ...pageContent(page, format), lenient: true }, options.text), sourceUrl };
  } catch (err) {
    throw err instanceof ApiError && err.field === "content" ? pageRefusal(err, sourceUrl) : err;
  }
}

/**
 * The reader's refusal, which names `content`, a field this caller never sent, under the one it did. A
 * page holding what no article may (a NUL) is refused as the same page uploaded would be, and one its
 * reader could not finish (the time limit, the heap limit) says so; anything else is a page with no article.
 */
function pageRefusal(err: ApiError, sourceUrl: string): ApiError {
  const unstorable = /^content: (contains .*)$/.exec(err.message)?.[1];
  if (unstorable) return new ApiError("source_unreadable", `url: the page at ${sourceUrl} ${unstorable}`, "url");
  const unfinished = /^content: the \w+ could not be read (\(.*\))$/.exec(err.message)?.[1];
  if (unfinished) return new ApiError("source_unreadable", `url: the page at ${sourceUrl} could not be read ${unfinished}`, "url");
  return new ApiError("source_unreadable", `url: no article text was found at ${sourceUrl}`, "url");
}

/** Byte order marks, which name their encoding whatever a header or the markup says, as browsers read them. */
const BOMS: [number[], string][] = [
  [[0xef, 0xbb, 0xbf], "utf-8"],
  [[0xff, 0xfe], "utf-16le"],
  [[0xfe, 0xff], "utf-16be"],
];

/** A page's bytes as its import thread reads them: a view of the fetched body past any byte order mark, and their encoding. */
export function pageContent(page: FetchedPage, format: ArticleFormat): { content: Uint8Array<ArrayBuffer>; charset: string } {
  const { charset, bom } = encodingOf(page, format);
  return { content: new Uint8Array(page.body.buffer, page.body.byteOffset + bom, page.body.byteLength - bom), charset };
}

/**
 * The page's encoding, and the length of its byte order mark (skipped, never read as text). A mark wins
 * (a UTF-8 page marked so but declaring windows-1256 was read as the latter, and a marked UTF-16 page
 * refused for its NULs); else the charset the header names, else the one the markup declares, else
 * UTF-8: the first TextDecoder knows.
 */
function encodingOf(page: FetchedPage, format: ArticleFormat): { charset: string; bom: number } {
  const marked = BOMS.find(([mark]) => mark.every((byte, i) => page.body[i] === byte));
  if (marked) return { charset: marked[1], bom: marked[0].length };
  const declared = format === "html" ? /<meta[^>]+charset=["']?([\w-]+)/i.exec(page.body.subarray(0, 2048).toString("latin1"))?.[1] : undefined;
  for (const label of [page.charset, declared]) {
    if (!label) continue;
    try {
      return { charset: new TextDecoder(label).encoding, bom: 0 };
    } catch {
      // An unknown label: try the next.
    }
  }
  return { charset: "utf-8", bom: 0 };
}
