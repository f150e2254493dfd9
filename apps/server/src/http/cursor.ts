import { z } from "zod";
import { ApiError } from "../errors.ts";
import { queryInt } from "./query-int.ts";

/** The most rows one page of a listing holds. */
export const MAX_PAGE = 200;

/** A place in a listing as a query parameter carries it (`cursor`, the W3C container's `after` and `before`): opaque, bounded. */
export const cursorParam = z.string().max(500);

/** A listing's `limit` and `cursor` query parameters, as every paged listing reads them. */
export const pageQuery = (defaultLimit: number) => ({
  limit: queryInt(1, MAX_PAGE).default(defaultLimit),
  cursor: cursorParam.optional(),
});

/**
 * A place in a listing, search_after style: the sort's name, the sort value of the last row and its id, so
 * rows inserted meanwhile neither repeat nor shift the pages. Opaque to clients: base64url JSON.
 */
export function encodeCursor(sort: string, value: number | string, id: string | number): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString("base64url");
}

/** A time a cursor carries, which the statement casts to timestamptz: an ISO date-time Postgres reads. */
export const cursorTime = z.iso.datetime().refine((iso) => /^(?!0000)\d{4}-/.test(iso), "not a date Postgres stores");

/**
 * A cursor is the caller's to send, so what it holds is checked as input against the listing's own
 * `[sort, value, id]` schema, and must name the sort it is sent with.
 */
export function decodeCursor<T extends readonly [string, unknown, unknown]>(cursor: string, sort: string, schema: z.ZodType<T>): { value: T[1]; id: T[2] } {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString()));
    if (parsed.success && parsed.data[0] === sort) return { value: parsed.data[1], id: parsed.data[2] };
  } catch {}
  throw new ApiError("validation_failed", "cursor: not a cursor from this listing", "cursor");
}
