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
 * Text as full-text search (`q`) compares it, in SQL, on both sides: the text a generated column indexes and
 * the query. Composed (NFC), since one word comes in two forms (an import keeps an NFD text, and a quote of it
 * is NFD) and a query in one must find the other; then with Arabic yeh, alef maksura, kaf and teh marbuta read
 * as Persian yeh, kaf and heh, and Arabic and Persian digits as ASCII ones, as the web app's own search reads
 * them. Both functions are immutable, which a generated column needs.
 */
export const searchFold = (text: SQL) => sql`translate(normalize(${text}, NFC), '${sql.raw(VARIANTS)}', '${sql.raw(READ_AS)}')`;

export const createdAt = () =>
  timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
