/**
 * W3C selectors count Unicode code points; JavaScript strings and DOM ranges
 * count UTF-16 code units. They differ only at astral characters (emoji,
 * some CJK), which take two units. This index converts between the two in
 * O(log n), after one scan of the text.
 */
export class CodePointIndex {
  /** Length of the text in code points. */
  readonly length: number;
  /** UTF-16 offset of each astral character, in order. */
  private readonly astralUnits: number[] = [];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          this.astralUnits.push(i);
          i++;
        }
      }
    }
    this.length = text.length - this.astralUnits.length;
  }

  /** The UTF-16 offset where code point `codePoint` starts (or the end of the text). */
  toUtf16(codePoint: number): number {
    const cp = clamp(codePoint, 0, this.length);
    // Astral characters that start before this code point each add one unit.
    let lo = 0;
    let hi = this.astralUnits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.astralUnits[mid]! - mid < cp) lo = mid + 1;
      else hi = mid;
    }
    return cp + lo;
  }

  /** The code point at a UTF-16 offset; an offset inside a surrogate pair counts as its start. */
  toCodePoint(utf16: number): number {
    const unit = clamp(utf16, 0, this.text.length);
    let lo = 0;
    let hi = this.astralUnits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.astralUnits[mid]! < unit) lo = mid + 1;
      else hi = mid;
    }
    // Each of the lo astral characters starting before `unit` took one unit more than a code point.
    // An offset inside a pair lands on the pair's own code point by the same sum.
    return unit - lo;
  }

  /** The text between two code point offsets. */
  slice(start: number, end: number): string {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}
