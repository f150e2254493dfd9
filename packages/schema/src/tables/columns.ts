import { type SQL, sql } from "drizzle-orm";
import { customType, timestamp } from "drizzle-orm/pg-core";

/**
 * Raw bytes. postgres.js hands back a Buffer and PGlite a Uint8Array; both are
 * Uint8Array, which is all the Yjs and crypto code needs.
 */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

/** Postgres full-text vector; only ever written by a generated column. */
export const tsvector = customType<{ data: string }>({
  dataType: () => "tsvector",
});

/**
 * Letters and digits written two ways across Arabic and Persian keyboards, each beside the one it is read as:
 * the Threads tab's table (apps/web/src/reader/threads/search.ts, SAME_LETTER and the digits).
 */
const VARIANTS = "\u064a\u0649\u0643\u0629\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9";
const READ_AS = "\u06cc\u06cc\u06a9\u064701234567890123456789";

/**
 * Marks a reader types or leaves out at will, as the web app's search drops them (IGNORED in
 * apps/web/src/reader/threads/search.ts): Latin accents, Arabic and Persian short vowels, shadda, sukun and the
 * hamza and madda NFKD splits off, Quranic marks, tatweel and the zero-width (non-)joiners. A Postgres regular
 * expression's own escapes, so the SQL stays ASCII.
 */
const IGNORED_MARKS = "[\\u0300-\\u036f\\u064b-\\u065f\\u0670\\u06d6-\\u06ed\\u0640\\u200c\\u200d]";

/**
 * Text as search compares it, in SQL, on both sides: the text a generated column or an index holds, and the
 * query. NFKD first, so that presentation forms (text pasted from a PDF) become the letters they show and
 * accents come apart from their letters; the marks above go; NFC puts back together what other scripts
 * decomposed (Hangul syllables, say). Then Arabic yeh, alef maksura, kaf and teh marbuta read as Persian yeh,
 * kaf and heh, and Arabic and Persian digits as ASCII ones. So `cafe` finds `café` in either Unicode form, and
 * a word with vowel marks is found without them, as the web app's own search reads them (docs/architecture.md,
 * "Right-to-left text"). Every function here is immutable, which a generated column and an index need.
 */
export const searchFold = (text: SQL) =>
  sql`translate(normalize(regexp_replace(normalize(${text}, NFKD), '${sql.raw(IGNORED_MARKS)}', '', 'g'), NFC), '${sql.raw(VARIANTS)}', '${sql.raw(READ_AS)}')`;

export const createdAt = () =>
  timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
