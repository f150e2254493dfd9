import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { type ArticleFormat, type Block, showsText } from "@marginalia/schema";
import { ApiError } from "../errors.ts";
import { assertArticleSize, textProblem } from "../storable-text.ts";
import type { ArticleBuilder } from "./builder.ts";
import type { BlockSlices } from "./packed-blocks.ts";

/** What the caller says about an article; it wins over what the import finds. */
export type ImportMeta = { title?: string; byline?: string | null };
/** `content`: text, or UTF-8 bytes as a request brought them (decoded by `readArticle`). */
/**
 * `charset`: the encoding of `content`'s bytes, a label TextDecoder knows (UTF-8 when absent).
 * `lenient`: malformed bytes become U+FFFD, as a browser shows a fetched page; otherwise, for bytes a
 * client sent, they are refused (http/streamed-body.ts, `utf8Text`, says why).
 */
export type ImportInput = ImportMeta & { format: ArticleFormat; content: string | Uint8Array<ArrayBuffer>; charset?: string; lenient?: boolean };
/**
 * `contentHash`: SHA-256 (hex) of the text, by which a re-import of the same text is not a new revision.
 * `blocks`: an array where the import ran; packed (packed-blocks.ts) where an import thread sent them.
 */
export type ImportedArticle<B extends BlockSlices = Block[]> = { title: string; byline: string | null; text: string; blocks: B; contentHash: string };

const FALLBACK_TITLE_LENGTH = 80;

/**
 * Cuts at a word boundary so the title does not end mid-word; counted in code
 * points so an emoji is never split in half.
 */
function shorten(text: string): string {
  const chars = Array.from(text);
  if (chars.length <= FALLBACK_TITLE_LENGTH) return text;
  const cut = chars.slice(0, FALLBACK_TITLE_LENGTH).join("");
  const atSpace = cut.lastIndexOf(" ");
  return `${(atSpace > FALLBACK_TITLE_LENGTH / 2 ? cut.slice(0, atSpace) : cut).trimEnd()}…`;
}

function fallbackTitle(article: ArticleBuilder): string {
  const texts = article.blockTexts;
  const pick = (kind: Block["kind"]) => {
    const i = article.blocks.findIndex((b) => b.kind === kind);
    return i >= 0 ? texts[i] : undefined;
  };
  return shorten(pick("heading") ?? pick("paragraph") ?? texts[0] ?? "");
}

/**
 * Turns submitted content into normalized text plus a block map whose offsets
 * count code points, with the reader given for its format. Kept apart from
 * the readers themselves (index.ts) so that the server's own thread, which
 * only ever reads plain text (the demo's article), never loads the HTML and
 * Markdown libraries: those run on import threads (off-thread.ts).
 */
export function readArticle(input: ImportInput, read: (content: string) => ArticleBuilder): ImportedArticle {
  const content = checkedContent(typeof input.content === "string" ? input.content : decode(input.content, input));
  if (!showsText(content)) {
    throw new ApiError("validation_failed", "The article content is empty (nothing in it shows)", "content");
  }
  const article = read(content);
  if (article.blocks.length === 0) {
    const message = `No readable article text was found in the ${input.format} content`;
    throw new ApiError("validation_failed", message, "content");
  }
  return finishArticle(article, input);
}

function decode(bytes: Uint8Array, { charset = "utf-8", lenient = false }: ImportInput): string {
  // Node 20's TextDecoder reads windows-1252 (which the labels latin1, iso-8859-1 and ascii name too) as
  // ISO-8859-1, against the WHATWG Encoding Standard: 0x80–0x9F came out as invisible control characters
  // instead of “ ” € and the like. Every byte is a character there, so there is nothing to refuse: the five
  // bytes the code page leaves unassigned (0x81 0x8D 0x8F 0x90 0x9D) are the C1 controls of the same number,
  // which iconv-lite made U+FFFD. One byte is one UTF-16 unit, so each U+FFFD stands where its byte did.
  if (charset === "windows-1252") {
    const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), "windows-1252");
    return text.includes("\uFFFD") ? text.replace(/\uFFFD/g, (_, at: number) => String.fromCharCode(bytes[at]!)) : text;
  }
  try {
    return new TextDecoder(charset, { fatal: !lenient }).decode(bytes);
  } catch {
    throw new ApiError("validation_failed", `content: is not valid ${charset === "utf-8" ? "UTF-8" : charset}`, "content");
  }
}

/**
 * The content as text, refused as a JSON string holding the same would be
 * (http/input.ts): the normalized text keeps a NUL, which Postgres cannot
 * store. A string is checked too, since not every caller of the readers
 * checked it first.
 */
function checkedContent(text: string): string {
  const problem = textProblem(text);
  if (problem) throw new ApiError("validation_failed", `content: contains ${problem}`, "content");
  return text;
}

/** The article a reader built, under the caller's title and byline where given, else under what was found. */
export function finishArticle(article: ArticleBuilder, meta: ImportMeta): ImportedArticle {
  // An upload's body is held to the limit as it comes; what a reader makes of a small source can be larger.
  assertArticleSize(article.text);
  const title = meta.title?.trim() || article.title || fallbackTitle(article);
  const byline = meta.byline === undefined ? article.byline : meta.byline?.trim() || null;
  // Hashed here, where the import runs: on an import thread for the server's uploads. On the event
  // loop, 9 MB of text took 20–30 ms to hash (docs/architecture.md, "Large articles").
  const contentHash = createHash("sha256").update(article.text, "utf8").digest("hex");
  return { title, byline, text: article.text, blocks: article.blocks.map((b) => ({ ...b })), contentHash };
}
