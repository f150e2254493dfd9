import { mapStrings } from "../map-strings.ts";

/**
 * Bidirectional embeddings, overrides and isolates left open in user text. A claim "\u202Egnp.exe" shows as
 * "exe.png", and the override runs on over whatever the file writes after it on the line: the verdict, the
 * next cell, a name. The API refuses these characters in names (packages/schema, vocabulary/names.ts), but
 * bodies, claims and quotes may hold them, balanced, around right-to-left text. An export therefore closes
 * what a field leaves open, at the end of each of its lines (Unicode's bidi algorithm ends them at a
 * paragraph break, which a Markdown renderer or a spreadsheet cell does not always make of a line break);
 * balanced controls, stray closers and the letters of right-to-left scripts stay as written.
 */
const OPENS_EMBEDDING = /[\u202A\u202B\u202D\u202E]/;
const OPENS_ISOLATE = /[\u2066-\u2068]/;
const PDF = "\u202C";
const PDI = "\u2069";
const ANY = /[\u202A-\u202E\u2066-\u2069]/;

function closeLine(line: string): string {
  // The controls still open, innermost last: a PDI closes its isolate and every embedding opened inside it.
  const open: string[] = [];
  for (const ch of line) {
    if (OPENS_EMBEDDING.test(ch)) open.push(PDF);
    else if (OPENS_ISOLATE.test(ch)) open.push(PDI);
    else if (ch === PDF && open.at(-1) === PDF) open.pop();
    else if (ch === PDI && open.includes(PDI)) open.length = open.lastIndexOf(PDI);
  }
  return open.length ? line + open.reverse().join("") : line;
}

/** `text` with every bidirectional control it leaves open closed where its line ends. */
export function closeBidi(text: string): string {
  if (!ANY.test(text)) return text;
  // The line breaks are kept as they were (a CSV cell may hold CRLF); every other part is a line.
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 === 0 ? closeLine(part) : part))
    .join("");
}

/** `value` with closeBidi applied to every string in it, however deep: a JSON-LD document's user text. */
export function closeBidiDeep<T>(value: T): T {
  return mapStrings(value, closeBidi);
}
