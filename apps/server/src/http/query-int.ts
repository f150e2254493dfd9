import { z } from "zod";

/**
 * A whole number in a query string, within [min, max]: ASCII digits and nothing else. z.coerce.number()
 * read it through Number(), which takes "1e2", "0x10", " 5", "5.0" and an empty string (as 0), so one
 * value had many spellings and a typo passed as a number. `max` stays within Number's exact integers.
 */
export const queryInt = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^[0-9]+$/, "must be a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(Math.min(max, Number.MAX_SAFE_INTEGER)));
