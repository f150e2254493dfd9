import { z } from "zod";
import { MAX_INTEGER_COLUMN, buildTarget, type TextTarget, normalizeQuoted, placeQuote, targetProblem } from "@marginalia/schema";
import type { Db } from "../db.ts";
import { ApiError } from "../errors.ts";
import { getArticleHead, textIndexAt } from "./articles.ts";

/** The longest quote, and the most context on each side, a target may carry (textTargetSchema). */
export const MAX_EXACT = 20_000;
export const MAX_AFFIX = 200;

/**
 * A target as a client sends it: positions may be left out when the quote, with its prefix and
 * suffix, occurs once in the revision (`checkTextTarget` fills them in).
 */
export const clientTargetSchema = z
  .strictObject({
    revision: z.number().int().positive().max(MAX_INTEGER_COLUMN),
    exact: z.string().max(MAX_EXACT),
    prefix: z.string().max(MAX_AFFIX).default(""),
    suffix: z.string().max(MAX_AFFIX).default(""),
    start: z.number().int().nonnegative().max(MAX_INTEGER_COLUMN).optional(),
    end: z.number().int().nonnegative().max(MAX_INTEGER_COLUMN).optional(),
  })
  .refine((t) => (t.start === undefined) === (t.end === undefined), { message: "give both start and end, or neither", path: ["end"] })
  .refine((t) => t.start === undefined || t.end! >= t.start, { message: "end must not be before start", path: ["end"] })
  .refine((t) => t.start !== undefined || t.exact.length > 0, { message: "give the quote, or start and end", path: ["exact"] });
export type ClientTarget = z.output<typeof clientTargetSchema>;

const bad = (field: string, message: string) => new ApiError("validation_failed", `target.${field}: ${message}`, `target.${field}`);

/**
 * A client's text target must be the article's current revision, as a socket's must
 * (docs/sync.md, "What you may write"): one on an older revision would never be moved by the
 * re-anchoring that revision already had, and would stand on words the article no longer has. It
 * must be that text: the quote at its
 * positions, the prefix and suffix around it, its ends between grapheme clusters, after the line
 * breaks the import writes. One that is not is refused, naming the field, rather than stored as given
 * (it would point at words the article does not have there) or moved to where the quote is (it would
 * change what the client annotated). Returns the target to store.
 */
export async function checkTextTarget(db: Db, articleId: string, given: ClientTarget, current?: number): Promise<TextTarget> {
  // `current`: the article's current revision, when the caller read the article already.
  const revision = current ?? (await getArticleHead(db, articleId)).revision;
  if (given.revision !== revision) throw bad("revision", given.revision > revision ? "the article has no such revision" : `not the article's current revision (${revision})`);
  const index = await textIndexAt(db, articleId, given.revision).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === "not_found") throw bad("revision", "the article has no such revision");
    throw err;
  });
  const quote = { exact: normalizeQuoted(given.exact), prefix: normalizeQuoted(given.prefix), suffix: normalizeQuoted(given.suffix) };
  let positions = given.start === undefined || given.end === undefined ? null : { start: given.start, end: given.end };
  if (!positions) {
    const placed = placeQuote(index, quote);
    if ("found" in placed) {
      throw bad("exact", placed.found === 0 ? "not in this revision (with this prefix and suffix)" : "occurs more than once: give start and end, or a prefix or suffix that tells them apart");
    }
    positions = placed;
  }
  const target = { revision: given.revision, ...quote, ...positions };
  const problem = targetProblem(index, target);
  if (problem) throw bad(problem.field, problem.message);
  // A prefix or suffix left empty is filled in from the text, as the reader's own targets carry them:
  // re-anchoring after a revision places a quote by its context, and one stored without any was orphaned
  // by the first edit that moved it, unique as it was.
  const context = buildTarget(index, positions, given.revision);
  return { ...target, prefix: target.prefix || context.prefix, suffix: target.suffix || context.suffix };
}
