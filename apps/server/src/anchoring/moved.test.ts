import { CodePointIndex, buildTarget } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { SEED_ARTICLE } from "../../test/support/fixtures.ts";
import { EditMap } from "./edit-map.ts";
import { resolveSlice } from "./jobs.ts";

const SEED = 20261208;
const paragraphs = SEED_ARTICLE.split("\n\n");
const old = new CodePointIndex(SEED_ARTICLE);

/** A target on the seed article around `quote`, which occurs there once. */
function targetOn(quote: string) {
  expect(SEED_ARTICLE.split(quote).length, quote).toBe(2);
  const start = old.toCodePoint(SEED_ARTICLE.indexOf(quote));
  return buildTarget(old, { start, end: start + Array.from(quote).length }, 1);
}

/** Where each quote lands once the seed article reads `after`: its new words, or null when orphaned. */
function landings(after: string, quotes: string[], key: string): Array<{ state: string; words: string | null }> {
  const anchors = resolveSlice({ key, text: after, oldLength: old.length, targets: quotes.map(targetOn), before: { revision: 1, text: SEED_ARTICLE } });
  const index = new CodePointIndex(after);
  return anchors.map((a) => ({ state: a.state, words: a.state === "orphaned" ? null : index.slice(a.start, a.end) }));
}

/** The seed article with paragraph `i` moved to before paragraph `to` (counted once it is taken out). */
function moveParagraph(i: number, to: number): string {
  const list = [...paragraphs];
  const [p] = list.splice(i, 1);
  list.splice(to, 0, p!);
  return list.join("\n\n");
}

const paragraphOf = (words: string) => paragraphs.findIndex((p) => p.includes(words));

describe("re-anchoring a paragraph a revision moved whole", () => {
  // Each: a quote that is its whole paragraph (or line), and where the paragraph goes.
  const cases = [
    ["a heading, to the top", "Pushing Iran away from Russia", 0],
    ["the title, to the end", "How to counter Russia-Iran deepening ties?", paragraphs.length - 1],
    ["the byline, below the first heading", "Hamid Bahrami", paragraphOf("Russia-Iran threats reach unknown domains")],
    ["a reference line, to the top of the references", SEED_ARTICLE.split("\n").find((l) => l.startsWith("Therme, C. (2022)"))!, paragraphOf("Ballesteros, M.")],
    ["a short paragraph, to the top", "Independent Middle East analyst and commentator for various media platforms.", 0],
    ["a caption, to below the article", "Russian President visited Iran July 2022. Photo from Iran Supreme Leader website", paragraphs.length - 1],
  ] as const;

  for (const [what, quote, to] of cases) {
    it(`keeps ${what} anchored on its words`, () => {
      const after = moveParagraph(paragraphOf(quote), to);
      expect(after).not.toBe(SEED_ARTICLE);
      expect(after.split(quote).length).toBe(2);
      expect(landings(after, [quote], `${what}`)).toEqual([{ state: "anchored", words: quote }]);
    });
  }

  it("keeps every quote that occurs once anchored on its words when the paragraphs are reversed", () => {
    console.log(`moved paragraphs: seed ${SEED}`);
    let state = SEED;
    const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const after = [...paragraphs].reverse().join("\n\n");
    // Whole paragraphs, whole sentences, and passages of 5 to 125 characters anywhere.
    const spans = [...SEED_ARTICLE.matchAll(/[^\n]+|[^.!?\n]+[.!?]?/g)].map((m) => SEED_ARTICLE.slice(m.index, m.index + m[0].length));
    for (let n = 0; n < 300; n++) {
      const at = Math.floor(rand() * SEED_ARTICLE.length);
      spans.push(SEED_ARTICLE.slice(at, at + 5 + Math.floor(rand() * 120)));
    }
    const quotes = [...new Set(spans.map((s) => s.trim()))].filter((q) => q.length >= 4 && SEED_ARTICLE.split(q).length === 2 && after.split(q).length === 2);
    expect(quotes.length).toBeGreaterThan(150);
    const lost = landings(after, quotes, "reversed").flatMap((l, n) => (l.state === "anchored" && l.words === quotes[n] ? [] : [`${l.state}: ${quotes[n]}`]));
    expect(lost).toEqual([]);
  });

  it("does not count letters a diff paired across moved paragraphs as another passage kept there", () => {
    const after = [...paragraphs].reverse().join("\n\n");
    const quote = ", A. (2016) ‘Putin’s Power Play in Syria: How";
    const from = SEED_ARTICLE.indexOf(quote);
    const to = after.indexOf(quote);
    expect(new EditMap(SEED_ARTICLE, after).keptFromElsewhere(to, to + quote.length, from, from + quote.length)).toBe(false);
  });
});

describe("re-anchoring what a revision did not move", () => {
  it("orphans a phrase deleted from its sentence and written into a new paragraph elsewhere", () => {
    const quote = "the sale of Sukhoi Su-35";
    const after = `${SEED_ARTICLE.replace(`${quote}, and `, "")}\n\nA court later halted ${quote} to Tehran.`;
    expect(landings(after, [quote], "rewritten")).toEqual([{ state: "orphaned", words: null }]);
  });

  it("orphans a heading deleted whose words stand as a line elsewhere, kept from before", () => {
    const heading = "Pushing Iran away from Russia";
    // A contents line at the top holds the heading's words too, and the revision keeps it.
    const withCopy = `Contents\n\n${heading}\n\n${SEED_ARTICLE}`;
    const at = withCopy.lastIndexOf(heading);
    const index = new CodePointIndex(withCopy);
    const target = buildTarget(index, { start: index.toCodePoint(at), end: index.toCodePoint(at + heading.length) }, 1);
    const after = withCopy.slice(0, at) + withCopy.slice(at + heading.length + 2);
    expect(after.split(heading).length).toBe(2);
    const [anchor] = resolveSlice({ key: "copy", text: after, oldLength: index.length, targets: [target], before: { revision: 1, text: withCopy } });
    expect(anchor!.state).toBe("orphaned");
  });
});
