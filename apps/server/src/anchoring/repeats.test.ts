import { CodePointIndex, buildTarget } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { SEED_ARTICLE } from "../../test/support/fixtures.ts";
import { resolveSlice } from "./jobs.ts";

const SEED = 20261207;

/** A seeded PRNG (an LCG), so that a failure replays. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * An article of the fixture's sentences, each written `copies` times in a shuffled order, eight to a paragraph,
 * and a correction that rewrites a share of them whole: where each sentence starts in both texts, and which
 * ones were rewritten.
 */
function repetitiveCorrection(seed: number, copies: number, share: number) {
  const rand = random(seed);
  // Whole sentences only: a heading runs into the sentence after it, and is diffed with it letter by letter.
  const sentences = SEED_ARTICLE.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.length > 20 && /[.!?]$/.test(s));
  const units = Array.from({ length: copies }, () => sentences).flat();
  for (let i = units.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [units[i], units[j]] = [units[j]!, units[i]!];
  }
  const rewritten = units.map(() => rand() < share);
  const revised = units.map((s, i) => (rewritten[i] ? `The editors rewrote sentence ${i} of this article from the ground up.` : s));
  const join = (list: string[]) => {
    const starts: number[] = [];
    let text = "";
    list.forEach((s, i) => {
      starts.push(text.length);
      text += s + (i % 8 === 7 ? "\n" : " ");
    });
    return { text, starts };
  };
  return { units, rewritten, old: join(units), revised: join(revised), rand };
}

/** A quote of a few whole words inside sentence `i`: its UTF-16 offset in the sentence and its text. */
function quoteIn(sentence: string, rand: () => number) {
  const words = [...sentence.matchAll(/\S+/g)];
  const first = Math.floor(rand() * Math.max(1, words.length - 2));
  const last = Math.min(words.length - 1, first + 1 + Math.floor(rand() * 6));
  const start = words[first]!.index!;
  return { start, exact: sentence.slice(start, words[last]!.index! + words[last]![0].length) };
}

describe("re-anchoring a text that repeats its sentences", () => {
  it("keeps an unchanged quote beside a rewritten sentence on its own copy, and places none on another copy", () => {
    console.log(`repeated sentences: seed ${SEED}`);
    const { units, rewritten, old, revised, rand } = repetitiveCorrection(SEED, 30, 0.1);
    const oldIndex = new CodePointIndex(old.text);
    const newIndex = new CodePointIndex(revised.text);
    // Quotes in sentences with a rewritten neighbour, whose context the correction changed on one side; and quotes
    // in rewritten sentences, whose words stand only in the other copies.
    const beside = units.flatMap((_, i) => (!rewritten[i] && (rewritten[i - 1] || rewritten[i + 1]) ? [i] : []));
    const gone = units.flatMap((_, i) => (rewritten[i] ? [i] : []));
    const pick = (list: number[], n: number) => Array.from({ length: n }, () => list[Math.floor(rand() * list.length)]!);
    const cases = [...pick(beside, 150).map((i) => ({ i, kept: true })), ...pick(gone, 50).map((i) => ({ i, kept: false }))].map(({ i, kept }) => {
      const q = quoteIn(units[i]!, rand);
      const at = oldIndex.toCodePoint(old.starts[i]! + q.start);
      const target = buildTarget(oldIndex, { start: at, end: at + Array.from(q.exact).length }, 1);
      return { target, truth: kept ? newIndex.toCodePoint(revised.starts[i]! + q.start) : null };
    });
    const anchors = resolveSlice({
      key: "repeats",
      text: revised.text,
      oldLength: oldIndex.length,
      targets: cases.map((c) => c.target),
      before: { revision: 1, text: old.text },
    });
    const outcome = anchors.map((anchor, n) => {
      const { truth, target } = cases[n]!;
      if (anchor.state === "orphaned") return truth === null ? "right" : "orphaned";
      return truth !== null && anchor.start === truth && anchor.end === truth + (target.end - target.start) ? "right" : "wrong";
    });
    const count = (what: string) => outcome.filter((o) => o === what).length;
    // A wrong anchor is worse than an orphan: none may land on another copy of the same words.
    expect(count("wrong"), "placed on another copy").toBe(0);
    expect(count("orphaned"), "unchanged quotes orphaned").toBe(0);
  });
});
