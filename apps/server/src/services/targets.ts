import { CodePointIndex, type TextTarget } from "@marginalia/schema";
import type { Db } from "../db.ts";
import { ApiError } from "../errors.ts";
import { getArticle } from "./articles.ts";

/** How much text around a quote a prefix or suffix may name (textTargetSchema). */
const MAX_AFFIX = 200;

const bad = (field: string, message: string) => new ApiError("validation_failed", `target.${field}: ${message}`, `target.${field}`);

/**
 * A client's text target must be the article's text at the revision it names: the quote at its
 * positions, the prefix and suffix around it. One that is not is refused, naming the field, rather than
 * stored as given (it would point at words the article does not have there) or moved to where the quote
 * is (it would change what the client annotated).
 */
export async function checkTextTarget(db: Db, articleId: string, target: TextTarget): Promise<void> {
  const article = await getArticle(db, articleId, target.revision).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === "not_found") throw bad("revision", "the article has no such revision");
    throw err;
  });
  const index = new CodePointIndex(article.text);
  if (target.end > index.length) throw bad("end", `past the end of the revision's ${index.length} characters`);
  if (index.slice(target.start, target.end) !== target.exact) throw bad("exact", "not the text between start and end");
  if (!index.slice(Math.max(0, target.start - MAX_AFFIX), target.start).endsWith(target.prefix)) {
    throw bad("prefix", "not the text before start");
  }
  if (!index.slice(target.end, target.end + MAX_AFFIX).startsWith(target.suffix)) throw bad("suffix", "not the text after end");
}
