/**
 * A hash index of every 8-unit slice of a text, built once per revision in
 * one pass, so that re-anchoring finds where a quote (or its context) occurs
 * by looking up a few of its slices instead of scanning the whole text for
 * each annotation (docs/architecture.md, "Anchoring"). Lookups are capped:
 * a slice that occurs more often than asked for says nothing about where a
 * passage is, and is skipped, so a quote made of the commonest letters costs
 * no more than any other of its length. Offsets are UTF-16 units.
 */
export const GRAM = 8;

export class TextIndex {
  /** Per bucket: 1 + the last offset whose slice hashes there (0: none). */
  private readonly head: Int32Array;
  /** Per offset: 1 + the previous offset in its bucket (0: none). */
  private readonly next: Int32Array;
  /** Per bucket: how many offsets hash there, collisions included (an upper bound for any one slice). */
  private readonly count: Int32Array;
  private readonly mask: number;

  constructor(readonly text: string) {
    const slices = Math.max(0, text.length - GRAM + 1);
    let size = 1024;
    while (size < slices * 2) size *= 2;
    this.mask = size - 1;
    this.head = new Int32Array(size);
    this.count = new Int32Array(size);
    this.next = new Int32Array(slices);
    for (let at = 0; at < slices; at++) {
      const bucket = hashAt(text, at) & this.mask;
      this.next[at] = this.head[bucket]!;
      this.head[bucket] = at + 1;
      this.count[bucket]!++;
    }
  }

  /** At most how many times the slice of `s` at `at` occurs in the text. */
  frequency(s: string, at: number): number {
    return this.count[hashAt(s, at) & this.mask]!;
  }

  /** Offsets where the slice of `s` at `at` occurs, when it occurs at most `limit` times; null when more often. */
  where(s: string, at: number, limit: number): number[] | null {
    const bucket = hashAt(s, at) & this.mask;
    if (this.count[bucket]! > limit) return null;
    const found: number[] = [];
    for (let p = this.head[bucket]!; p !== 0; p = this.next[p - 1]!) {
      if (this.text.startsWith(s.slice(at, at + GRAM), p - 1)) found.push(p - 1);
    }
    return found;
  }

  /**
   * Every offset where `quote` occurs, found through its rarest slice; null
   * when even that slice occurs more than `limit` times (the quote is too
   * common to place by itself). Quotes shorter than a slice are not indexed:
   * undefined.
   */
  occurrences(quote: string, limit: number): number[] | null | undefined {
    if (quote.length < GRAM) return undefined;
    let rarest = 0;
    let fewest = Number.POSITIVE_INFINITY;
    for (let at = 0; at + GRAM <= quote.length && fewest > 1; at++) {
      const n = this.frequency(quote, at);
      if (n < fewest) [rarest, fewest] = [at, n];
    }
    const hits = this.where(quote, rarest, limit);
    if (!hits) return null;
    return hits
      .map((p) => p - rarest)
      .filter((start) => start >= 0 && this.text.startsWith(quote, start))
      .sort((a, b) => a - b);
  }

  /**
   * Where a passage that reads like `prefix + quote + suffix` may start now:
   * slices sampled along it vote for the quote's start they imply, and the
   * starts with most votes come first (at most `max`, each `spread` apart).
   * At most 512 slices are looked up, each only if it is rare, so the cost
   * is bounded whatever the passage.
   */
  likelyStarts(prefix: string, quote: string, suffix: string, max: number, spread: number): number[] {
    const passage = prefix + quote + suffix;
    const step = Math.max(GRAM / 2, Math.ceil(passage.length / 512));
    const votes = new Map<number, number>();
    for (let at = 0; at + GRAM <= passage.length; at += step) {
      for (const p of this.where(passage, at, 8) ?? []) {
        const start = p - (at - prefix.length);
        votes.set(start, (votes.get(start) ?? 0) + 1);
      }
    }
    const ranked = [...votes].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const chosen: number[] = [];
    for (const [start, n] of ranked) {
      if (chosen.length >= max || n < 2) break;
      if (chosen.every((c) => Math.abs(c - start) > spread)) chosen.push(start);
    }
    return chosen;
  }
}

/** A 32-bit hash of the slice of `s` at `at` (murmur3's finalizer over a polynomial hash). */
function hashAt(s: string, at: number): number {
  let h = 0;
  for (let i = at; i < at + GRAM; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
