/**
 * Letters of the right-to-left scripts the reader meets (Hebrew, Arabic with Persian and Urdu, Syriac,
 * Thaana, N'Ko and their presentation forms), and letters of any other script.
 */
const RTL_LETTER = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;
const LETTER = /\p{L}/u;

/**
 * The direction a whole text mostly reads in: right-to-left when most of its first letters (up to
 * `sample`) are of a right-to-left script. A block's own direction comes from `dir="auto"`, which
 * looks at its first strong letter; the article as a whole follows its majority, so that a Persian
 * article opening with a Latin name still lays out right-to-left.
 */
export function textDirection(text: string, sample = 2_000): "ltr" | "rtl" {
  let rtl = 0;
  let letters = 0;
  for (const char of text) {
    if (!LETTER.test(char)) continue;
    letters++;
    if (RTL_LETTER.test(char)) rtl++;
    if (letters >= sample) break;
  }
  return letters > 0 && rtl * 2 > letters ? "rtl" : "ltr";
}
