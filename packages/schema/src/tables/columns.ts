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

export const createdAt = () =>
  timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
