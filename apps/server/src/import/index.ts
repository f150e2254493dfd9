import type { ArticleFormat } from "@marginalia/schema";
import { type ImportInput, type ImportedArticle, readArticle } from "./article.ts";
import type { ArticleBuilder } from "./builder.ts";
import { readHtml } from "./html.ts";
import { readMarkdown } from "./markdown.ts";
import { readPlainText } from "./plain-text.ts";

const READERS: Record<ArticleFormat, (content: string) => ArticleBuilder> = {
  text: readPlainText,
  markdown: readMarkdown,
  html: readHtml,
};

/**
 * Any supported format into an article (article.ts). This module loads every
 * reader: it belongs on import threads (text-worker.ts), the command line and
 * tests, not on the server's event loop.
 */
export function importArticle(input: ImportInput): ImportedArticle {
  return readArticle(input, READERS[input.format]);
}
