import { z } from "zod";
import { MAX_BODY_LENGTH } from "@marginalia/schema";
import { fail, list, part, propertyOf, singleTyped } from "./fields.ts";

/** What one text selector says: a quote with its context, or a span of code points. */
export type TextSpanHint = { exact?: string; prefix?: string; suffix?: string; start?: number; end?: number };

/**
 * What a text target's selectors say, before it is checked against the article's text. A RangeSelector
 * keeps its two ends apart, each resolved on its own, with the field that names it for the refusal.
 */
export type SelectorHint = TextSpanHint & { range?: { from: TextSpanHint; to: TextSpanHint; field: string } };

const quoteSelector = z.object({
  type: z.literal("TextQuoteSelector"),
  exact: z.string().min(1).max(MAX_BODY_LENGTH),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
});
const positionSelector = z
  .object({ type: z.literal("TextPositionSelector"), start: z.number().int().nonnegative(), end: z.number().int().nonnegative() })
  .refine((s) => s.start <= s.end, { message: "end must not be before start", path: ["end"] });
const selectorType = z.looseObject({ type: z.string({ error: "a selector needs one type, as a string (or an array of one)" }) });

const SUPPORTED = "give a TextQuoteSelector, a TextPositionSelector, or a RangeSelector whose ends are one of those";

/** One selector's type, and the selector with that type as a string. */
function typed(raw: unknown, at: string) {
  const selector = singleTyped(raw);
  return { selector, type: part(selectorType, selector, at).type };
}

/** A refinement narrows the span; stored without it, the target would be wider than the client said. */
function unrefined(selector: unknown, at: string) {
  if (propertyOf(selector, "refinedBy") !== undefined) {
    throw fail(`${at}.refinedBy`, "give the refined span itself: a text selector is stored as one span, without refinements");
  }
}

/** A text selector's span, or null for a type we do not read. */
function textSpan(selector: unknown, type: string, at: string): TextSpanHint | null {
  if (type === "TextQuoteSelector") {
    unrefined(selector, at);
    const { exact, prefix, suffix } = part(quoteSelector, selector, at);
    return { exact, prefix, suffix };
  }
  if (type === "TextPositionSelector") {
    unrefined(selector, at);
    const { start, end } = part(positionSelector, selector, at);
    return { start, end };
  }
  return null;
}

/** One end of a RangeSelector: a text selector of its own, not another range. */
function rangeEnd(raw: unknown, at: string): TextSpanHint {
  if (raw === undefined) throw fail(at, "a RangeSelector needs a startSelector and an endSelector");
  const { selector, type } = typed(raw, at);
  const span = textSpan(selector, type, at);
  if (!span) throw fail(at, `${type} is not supported here: the ends of a RangeSelector are TextQuoteSelectors or TextPositionSelectors`);
  return span;
}

/**
 * Reads a target's selectors (null when it has none). They are alternatives for the same text (model
 * §4.2): every text one is kept, to be checked against the text, and other types (CSS, XPath, fragments)
 * may come with them but are not stored. Selectors of those types alone are refused, by name.
 */
export function readSelectors(given: unknown, field: string): SelectorHint | null {
  const selectors = list(given);
  if (selectors.length === 0) return null;
  const hint: SelectorHint = {};
  const unread = new Set<string>();
  let refinesUnread = false;
  for (const [j, raw] of selectors.entries()) {
    const at = Array.isArray(given) ? `${field}.selector.${j}` : `${field}.selector`;
    const { selector, type } = typed(raw, at);
    if (type === "RangeSelector") {
      unrefined(selector, at);
      if (hint.range) throw fail(at, "give one RangeSelector: a target is one span");
      const ends = { from: propertyOf(selector, "startSelector"), to: propertyOf(selector, "endSelector") };
      hint.range = { from: rangeEnd(ends.from, `${at}.startSelector`), to: rangeEnd(ends.to, `${at}.endSelector`), field: at };
      continue;
    }
    const span = textSpan(selector, type, at);
    if (span) Object.assign(hint, span);
    else {
      unread.add(type);
      refinesUnread ||= propertyOf(selector, "refinedBy") !== undefined;
    }
  }
  if (hint.exact === undefined && hint.start === undefined && !hint.range) {
    // A refinedBy selects within what it refines (a fragment, an element), which the server does not
    // resolve, so it cannot be read against the whole article either.
    const refined = refinesUnread ? "; nor is a selector that refines one, as it selects within it" : "";
    throw fail(`${field}.selector`, `${[...unread].join(", ")} ${unread.size > 1 ? "are" : "is"} not supported${refined}: ${SUPPORTED}`);
  }
  return hint;
}
