import { endsWithClosingPunctuation, isByPrefixedByline } from "./rules.ts";

/**
 * Line classifiers for plain text. Each errs towards "paragraph": a paragraph
 * mislabelled as a heading or caption is more jarring than the reverse.
 */

const TITLE_MAX_LENGTH = 200;
const CAPTION_MAX_LENGTH = 200;
const CITATION_MAX_LENGTH = 600;

// Particles that sit lowercase inside personal names.
const NAME_PARTICLE = /^(and|&|de|da|del|della|der|den|di|du|dos|van|von|bin|ibn|al|el|la|le|y)$/i;

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

export const wordCount = (text: string): number => words(text).length;

/** Two sentences on one line make a paragraph, whatever its length. */
function isSeveralSentences(text: string): boolean {
  return /[.!?]["'”’)]*\s+["'“‘(]?\p{Lu}/u.test(text.trim().replace(/\b\p{Lu}\.\s/gu, ""));
}

/**
 * "Jane Doe", "Jane Doe and John Roe", "By J. R. Smith": a few capitalised
 * words, no digits, nothing closing a sentence. Scripts without case count
 * as capitalised so that non-Latin names qualify.
 */
export function looksLikeByline(text: string): boolean {
  if (isByPrefixedByline(text)) return true;
  const t = text.trim();
  if (t.length > 60 || /\d/.test(t) || /[.!?;:…"“”]$/.test(t)) return false;
  const all = words(t);
  const nameWords = all.filter((w) => !NAME_PARTICLE.test(w));
  return all.length <= 6 && nameWords.length >= 2 && nameWords.every((w) => /^[\p{Lu}\p{Lo}]/u.test(w));
}

/** Titles are one short line and rarely end with a full stop (a question mark is fine). */
export function looksLikeTitle(text: string): boolean {
  const t = text.trim();
  return t.length <= TITLE_MAX_LENGTH && !/\.$/.test(t) && !isSeveralSentences(t) && !isCitation(t);
}

/**
 * The line under the title is a photo caption when it says so, or when it is a
 * short unpunctuated description sitting above a much longer paragraph.
 */
export function looksLikeCaption(text: string, next: string | undefined): boolean {
  const t = text.trim();
  if (t.length >= CAPTION_MAX_LENGTH) return false;
  if (/\b(photo|photograph|image|picture|credit|illustration|caption|courtesy)s?\b|©/i.test(t)) return true;
  return (
    !endsWithClosingPunctuation(t) &&
    words(t).length >= 6 &&
    next !== undefined &&
    next.length > CAPTION_MAX_LENGTH &&
    next.length > t.length * 2
  );
}

/**
 * "Reuters (2023) ‘…’. Available at:" or "Ballesteros, M. (2022) ‘…’": an
 * author list, a bracketed year, then a title, not a verb. "Available at",
 * "Retrieved from" and DOIs settle it on their own.
 */
export function isCitation(text: string): boolean {
  const t = text.trim();
  if (t.length > CITATION_MAX_LENGTH) return false;
  if (/\b(available (at|from|online)|retrieved from)\b|\bdoi:\s*10\.|doi\.org\//i.test(t)) return true;
  const year = /\((\d{4}[a-z]?|n\.d\.)\)/.exec(t);
  if (!year || year.index > 200) return false;
  const authors = t.slice(0, year.index);
  const rest = t.slice(year.index + year[0].length);
  return (
    /^[\p{Lu}\p{Lo}[\d]/u.test(authors) &&
    !/(^|\s)\p{Ll}{4,}/u.test(authors) &&
    /^\s*[.,]?\s*["'‘“*_\p{Lu}\p{Lo}]/u.test(rest)
  );
}
