import type { Anchor } from "@marginalia/schema";

/**
 * Revisions of a text with ground truth: each edit keeps, for every character
 * of the new text, the index it had in the original (-1 for new characters),
 * so that where a quote went is known exactly.
 */
export type Span = { start: number; end: number };
type Cell = { ch: string; origin: number };
export type Revision = { name: string; apply(original: string[], seed: number): { text: string; origins: number[] } };

/** A small seeded PRNG (mulberry32), so that every run measures the same corpus. */
export function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Quotes of 3–15 words starting at word boundaries inside paragraph lines. */
export function randomQuotes(text: string, count: number, seed: number): Span[] {
  const rand = random(seed);
  const points = Array.from(text);
  const starts: number[] = [];
  points.forEach((ch, i) => {
    if (/\S/.test(ch) && (i === 0 || /\s/.test(points[i - 1]!))) starts.push(i);
  });
  const quotes: Span[] = [];
  while (quotes.length < count) {
    const first = Math.floor(rand() * starts.length);
    const words = 3 + Math.floor(rand() * 13);
    const last = starts[Math.min(starts.length - 1, first + words)]!;
    const start = starts[first]!;
    let end = last - 1;
    while (end > start && /\s/.test(points[end - 1]!)) end--;
    const quote = points.slice(start, end).join("");
    if (quote.includes("\n") || end - start < 10) continue;
    quotes.push({ start, end });
  }
  return quotes;
}

const cells = (original: string[]): Cell[] => original.map((ch, origin) => ({ ch, origin }));
const finish = (c: Cell[]) => ({ text: c.map((x) => x.ch).join(""), origins: c.map((x) => x.origin) });
const fresh = (s: string): Cell[] => Array.from(s).map((ch) => ({ ch, origin: -1 }));

/** Line ranges of the paragraphs long enough to be prose. */
function paragraphs(c: Cell[]): Span[] {
  const spans: Span[] = [];
  let start = 0;
  for (let i = 0; i <= c.length; i++) {
    if (i === c.length || c[i]!.ch === "\n") {
      if (i - start > 300) spans.push({ start, end: i });
      start = i + 1;
    }
  }
  return spans;
}

function sentenceEnds(c: Cell[], p: Span): number[] {
  const ends: number[] = [];
  for (let i = p.start; i < p.end - 1; i++) if (c[i]!.ch === "." && c[i + 1]!.ch === " ") ends.push(i + 2);
  return ends;
}

const WORDS_ADDED = "words written in, two a few words apart (30 pairs)";

export const REVISIONS: Revision[] = [
  {
    name: "typo fixes (40 letters swapped)",
    apply(original, seed) {
      const c = cells(original);
      const rand = random(seed);
      for (let n = 0; n < 40; n++) {
        const i = 1 + Math.floor(rand() * (c.length - 3));
        if (/[a-z]/.test(c[i]!.ch) && /[a-z]/.test(c[i + 1]!.ch)) [c[i]!.ch, c[i + 1]!.ch] = [c[i + 1]!.ch, c[i]!.ch];
      }
      return finish(c);
    },
  },
  {
    name: "sentences inserted (6)",
    apply(original, seed) {
      let c = cells(original);
      const rand = random(seed);
      for (let n = 0; n < 6; n++) {
        const p = paragraphs(c)[Math.floor(rand() * paragraphs(c).length)]!;
        const ends = sentenceEnds(c, p);
        const at = ends[Math.floor(rand() * ends.length)] ?? p.start;
        c = [...c.slice(0, at), ...fresh(`An editor's clarification was added here, number ${n}. `), ...c.slice(at)];
      }
      return finish(c);
    },
  },
  {
    name: "sentences deleted (4)",
    apply(original, seed) {
      let c = cells(original);
      const rand = random(seed + 1);
      for (let n = 0; n < 4; n++) {
        const p = paragraphs(c)[Math.floor(rand() * paragraphs(c).length)]!;
        const ends = [p.start, ...sentenceEnds(c, p)];
        const k = Math.floor(rand() * (ends.length - 1));
        c = [...c.slice(0, ends[k]!), ...c.slice(ends[k + 1]!)];
      }
      return finish(c);
    },
  },
  {
    name: "paragraph moved",
    apply(original) {
      const c = cells(original);
      const ps = paragraphs(c);
      const moved = ps[1]!;
      const block = c.slice(moved.start, moved.end + 1);
      const rest = [...c.slice(0, moved.start), ...c.slice(moved.end + 1)];
      const target = paragraphs(rest).at(-1)!.end + 1;
      return finish([...rest.slice(0, target), ...block, ...rest.slice(target)]);
    },
  },
  {
    name: "whitespace changed",
    apply(original) {
      const c = cells(original).map((x) => (x.ch === "\u00a0" ? { ...x, ch: " " } : x));
      // Every paragraph break doubled, and a space after each full stop.
      return finish(c.flatMap((x) => (x.ch === "\n" ? [x, { ch: "\n", origin: -1 }] : x.ch === "." ? [x, { ch: " ", origin: -1 }] : [x])));
    },
  },
  {
    name: "quote style straightened",
    apply(original) {
      return finish(cells(original).map((x) => (x.ch === "’" || x.ch === "‘" ? { ...x, ch: "'" } : x)));
    },
  },
  {
    name: "passage deleted (a paragraph)",
    apply(original) {
      const c = cells(original);
      const p = paragraphs(c)[3]!;
      return finish([...c.slice(0, p.start), ...c.slice(p.end + 1)]);
    },
  },
  {
    name: WORDS_ADDED,
    apply(original, seed) {
      let c = cells(original);
      const rand = random(seed + 3);
      const wordStarts = () => c.flatMap((x, i) => (/[a-z]/.test(x.ch) && i > 0 && c[i - 1]!.ch === " " ? [i] : []));
      for (let n = 0; n < 30; n++) {
        // A word written in before one word, and another before a word a few further on: a short quote between
        // them has grown at both ends, or its context beside it changed as well.
        const starts = wordStarts();
        const k = Math.floor(rand() * (starts.length - 6));
        const [first, second] = [starts[k]!, starts[k + 1 + Math.floor(rand() * 5)]!];
        const word = () => fresh(`${ADDED[Math.floor(rand() * ADDED.length)]!} `);
        c = [...c.slice(0, first), ...word(), ...c.slice(first, second), ...word(), ...c.slice(second)];
      }
      return finish(c);
    },
  },
];

/** Words a correction writes into a passage: what it was, how sure, how large. */
const ADDED = ["announced", "reported", "so-called", "recent", "wider", "growing", "military", "several"];

/** Shorter words put in place of longer ones: the edit a copy editor makes most. */
const SHORTER = ["new", "key", "big", "old", "top", "main", "few", "all"];

/**
 * Single words replaced by shorter ones, far enough apart that every quote's
 * prefix and suffix around a replaced word stay intact (what the reader's
 * misses had in common).
 */
export const WORDS_REPLACED: Revision = {
  name: "single words replaced by shorter ones (60)",
  apply(original, seed) {
    let c = cells(original);
    const rand = random(seed + 2);
    let replaced = 0;
    const taken: number[] = [];
    for (let tries = 0; replaced < 60 && tries < 10_000; tries++) {
      const at = Math.floor(rand() * c.length);
      if (!/[a-z]/.test(c[at]!.ch) || (at > 0 && /\S/.test(c[at - 1]!.ch))) continue;
      let end = at;
      while (end < c.length && /[a-z]/.test(c[end]!.ch)) end++;
      if (end - at < 5 || (c[end] && !/[\s,.]/.test(c[end]!.ch)) || taken.some((t) => Math.abs(t - at) < 120)) continue;
      // The new word's letters take the places of the old one's, so that a quote that held the old word
      // holds the new one, wherever it began or ended.
      const word = Array.from(SHORTER[Math.floor(rand() * SHORTER.length)]!).map((ch, i) => ({ ch, origin: c[at + i]!.origin }));
      c = [...c.slice(0, at), ...word, ...c.slice(end)];
      taken.push(at);
      replaced++;
    }
    return finish(c);
  },
};

/** Revisions whose edits depend on the seed: measured with several. */
export const RANDOM_REVISIONS = new Set(["typo fixes (40 letters swapped)", "sentences inserted (6)", "sentences deleted (4)", WORDS_ADDED, WORDS_REPLACED.name]);

/**
 * A long article for the load study: the seed's paragraphs again and again,
 * each copy numbered and with a tenth of its words swapped for others of the
 * seed, so that passages stay distinct as they are in a real long text.
 */
export function longArticle(seedText: string, size: number, seed: number): string[] {
  const rand = random(seed);
  const words = seedText.split(/\s+/).filter(Boolean);
  const paragraphs = seedText.split("\n").filter((p) => p.length > 200);
  const out: string[] = [];
  let length = 0;
  for (let n = 0; length < size; n++) {
    const p = paragraphs[n % paragraphs.length]!.split(" ").map((w) => (rand() < 0.1 ? words[Math.floor(rand() * words.length)]! : w));
    const line = `${n + 1}. ${p.join(" ")}\n`;
    out.push(...Array.from(line));
    length += line.length;
  }
  return out;
}

export type Outcome = "correct" | "orphaned" | "wrong";

/** Intersection over union of two ranges. */
function overlap(a: Span, b: Span): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  return inter / (Math.max(a.end, b.end) - Math.min(a.start, b.start));
}

/** Right where the characters went (80% overlap), or orphaned where most of them are gone. */
export function judge(anchor: Anchor, truth: Span | null): Outcome {
  if (!truth) return anchor.state === "orphaned" ? "correct" : "wrong";
  if (anchor.state === "orphaned") return "orphaned";
  return overlap(anchor, truth) >= 0.8 ? "correct" : "wrong";
}

/** For each character of the original, where it is in the revision (-1: gone). */
export function newPlaces(origins: number[], originalLength: number): Int32Array {
  const places = new Int32Array(originalLength).fill(-1);
  origins.forEach((origin, at) => {
    if (origin >= 0) places[origin] = at;
  });
  return places;
}

/** Where the quoted characters ended up; null when most of them are gone (the quote must orphan). */
export function truthFor(quote: Span, places: Int32Array): Span | null {
  let first = Number.POSITIVE_INFINITY;
  let last = -1;
  let kept = 0;
  for (let o = quote.start; o < quote.end; o++) {
    const at = places[o]!;
    if (at < 0) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
    kept++;
  }
  if (kept < (quote.end - quote.start) * 0.5) return null;
  return { start: first, end: last + 1 };
}
