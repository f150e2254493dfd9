/**
 * Heuristics shared by the format readers. They are deliberately conservative:
 * a missed heading only costs styling, but text wrongly dropped as page chrome
 * could never be annotated.
 */

const REFERENCES_HEADING =
  /^(references|sources|bibliography|notes|endnotes|footnotes|works cited|citations|further reading)$/i;

/** A heading that introduces the citation list; everything under it is a reference. */
export function isReferencesHeading(text: string): boolean {
  return REFERENCES_HEADING.test(text.trim().replace(/[:.]$/, ""));
}

/** "By Jane Doe" or "By Jane Doe and John Roe": short, and not a sentence. */
export function isByPrefixedByline(text: string): boolean {
  const t = text.trim();
  return /^by\s+\S/i.test(t) && t.length <= 100 && !/[.!?;:]\s+\S/.test(t) && !/[!?;:]$/.test(t);
}

// Lines a saved web page carries around the article that are not part of it.
const CHROME = [
  /^related( topics| posts| articles| stories| content| reading)?$/i,
  /^(share|share this( (article|post|story|page))?|share on .+|tags?|topics?|categories)$/i,
  /^(tags?|topics?|categories|filed under|share):.*$/i,
  /^(subscribe|sign up)( (now|today|here|for (free|updates|our newsletter)|to (our|the) newsletter))?!?$/i,
  /^newsletter( sign-?up)?$/i,
  /^advertisement$/i,
  /^(sponsored|sponsored content|promoted)$/i,
  /^(read more|continue reading|you may also like|recommended|most read|most popular|more from .+)$/i,
  /^(leave a (comment|reply)|comments?|\d+ comments?|print|email|back to top)$/i,
];

/** Short labels and calls to action that a copy-paste of a web page drags along. */
export function isPageChrome(line: string): boolean {
  if (line.length > 200) return false;
  const t = line.trim().replace(/[:.…]+$/, "").trim();
  return t.length > 0 && t.length <= 60 && CHROME.some((re) => re.test(t));
}

/** The label above an author bio; the label is chrome, the bio under it is kept. */
export function isAboutAuthorLabel(line: string): boolean {
  return /^(about the authors?|about the writer|author bio(graphy)?)[:.]?$/i.test(line.trim());
}

/** True when the line ends a sentence (optionally followed by closing quotes or brackets). */
export function endsWithClosingPunctuation(text: string): boolean {
  return /[.!?:;…][\s"'”’»)\]]*$/.test(text.trim());
}
