import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CodePointIndex } from "./code-points.ts";
import { resolveTarget } from "./resolve.ts";
import { buildTarget } from "./selectors.ts";

const SEED = readFileSync(new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url), "utf8");

/** A target on `text` around the first occurrence of `quote`. */
function targetFor(text: string, quote: string) {
  const index = new CodePointIndex(text);
  expect(text.indexOf(quote), quote).toBeGreaterThanOrEqual(0);
  const start = index.toCodePoint(text.indexOf(quote));
  return buildTarget(index, { start, end: start + Array.from(quote).length }, 1);
}

const QUOTE = "Russia and the Iranian regime are both today under tough sanctions";

describe("resolveTarget", () => {
  it("keeps an unchanged quote where it was", () => {
    const target = targetFor(SEED, QUOTE);
    expect(resolveTarget(SEED, target)).toEqual({ state: "anchored", start: target.start, end: target.end, score: 1 });
  });

  it("follows the exact quote when text is inserted before it", () => {
    const target = targetFor(SEED, QUOTE);
    const edited = `Editor's note: this article was updated on 3 March.\n\n${SEED}`;
    const anchor = resolveTarget(edited, target);
    expect(anchor.state).toBe("anchored");
    if (anchor.state === "orphaned") return;
    expect(new CodePointIndex(edited).slice(anchor.start, anchor.end)).toBe(QUOTE);
  });

  it("places a quote with a corrected typo as fuzzy, on the corrected words", () => {
    const target = targetFor(SEED, QUOTE);
    const edited = SEED.replace("under tough sanctions", "under tougher sanctions");
    const anchor = resolveTarget(edited, target);
    expect(anchor.state).toBe("fuzzy");
    if (anchor.state !== "fuzzy") return;
    expect(new CodePointIndex(edited).slice(anchor.start, anchor.end)).toMatch(/^Russia and the Iranian regime are both today under tougher sanction/);
    expect(anchor.score).toBeGreaterThan(0.75);
  });

  it("orphans a quote whose passage was deleted, rather than guessing", () => {
    const target = targetFor(SEED, QUOTE);
    const paragraph = SEED.split("\n").find((line) => line.includes(QUOTE))!;
    const anchor = resolveTarget(SEED.replace(paragraph, ""), target);
    expect(anchor.state).toBe("orphaned");
  });

  it("tells repeated words apart by their context, and orphans when it cannot", () => {
    const text = "The West said no. Later, the West said yes. Finally the West said maybe.";
    const index = new CodePointIndex(text);
    const second = text.indexOf("the West", 20);
    const target = buildTarget(index, { start: second, end: second + 8 }, 1, 12);
    const moved = `Preface added here. ${text}`;
    const anchor = resolveTarget(moved, target);
    expect(anchor.state).toBe("anchored");
    if (anchor.state !== "orphaned") expect(anchor.start).toBe(moved.indexOf("the West", 40));
    const rewritten = "Only the West remains. Only the West remains.";
    expect(resolveTarget(rewritten, target).state).toBe("orphaned");
  });

  it("counts positions in code points across emoji and the seed's combining mark", () => {
    const text = `😀😀 ${SEED}`;
    const target = targetFor(SEED, "the West is so sensitive about any cooperation");
    const quote = "ُThe West"; // starts with the stray U+064F in the seed
    const withMark = targetFor(SEED, quote);
    for (const t of [target, withMark]) {
      const anchor = resolveTarget(text, t);
      expect(anchor.state).not.toBe("orphaned");
      if (anchor.state !== "orphaned") expect(Array.from(text).slice(anchor.start, anchor.end).join("")).toBe(t.exact);
    }
  });
});
