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

  it("places a quote exactly on a revision that only changed its Unicode form, in either direction", () => {
    const nfd = "Intro words here. Der Bäcker in Köln sagte, dass die Preise für Brötchen steigen. Eine Zeile danach.".normalize("NFD");
    const nfc = nfd.normalize("NFC");
    expect(nfc.length).toBeLessThan(nfd.length);
    for (const [before, after] of [[nfd, nfc], [nfc, nfd]] as const) {
      const quote = "Preise für Brötchen".normalize(before === nfd ? "NFD" : "NFC");
      const target = targetFor(before, quote);
      const anchor = resolveTarget(after, target, { oldLength: Array.from(before).length });
      const placedOn = after.indexOf(quote.normalize(after === nfd ? "NFD" : "NFC"));
      const index = new CodePointIndex(after);
      const length = Array.from(quote.normalize(after === nfd ? "NFD" : "NFC")).length;
      expect(anchor).toEqual({ state: "anchored", start: index.toCodePoint(placedOn), end: index.toCodePoint(placedOn) + length, score: 1 });
    }
  });

  it("keeps a quote at the text's very start when a later sentence changes", () => {
    const text = "Officials said the pact doubled trade. Exports rose in spring. Prices were stable.";
    const revised = text.replace("Prices were stable.", "Prices rose a little.");
    for (const quote of ["Officials said", "Officials said the pact doubled trade."]) {
      const target = targetFor(text, quote);
      expect(target.start).toBe(0);
      expect(resolveTarget(revised, target, { oldLength: text.length }), quote).toEqual({ state: "anchored", start: 0, end: target.end, score: 1 });
    }
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

  it("counts positions in code points across emoji, and widens a quote that starts inside a cluster to the whole cluster", () => {
    const text = `😀😀 ${SEED}`;
    const points = Array.from(text);
    const plain = targetFor(SEED, "the West is so sensitive about any cooperation");
    const anchor = resolveTarget(text, plain);
    expect(anchor.state).toBe("anchored");
    if (anchor.state !== "orphaned") expect(points.slice(anchor.start, anchor.end).join("")).toBe(plain.exact);
    // The seed has " \u064FThe West": the mark joins the space before it into one cluster.
    const withMark = targetFor(SEED, "\u064FThe West");
    const widened = resolveTarget(text, withMark);
    expect(widened.state).toBe("anchored");
    if (widened.state !== "orphaned") expect(points.slice(widened.start, widened.end).join("")).toBe(" \u064FThe West");
  });

  it("never ends a fuzzy match inside an emoji sequence or between a letter and its mark", () => {
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}";
    const text = `We met the family ${family} at the station on Sunday morning before the rain.`;
    const target = buildTarget(text, { start: 7, end: 21 }, 1, 16);
    const edited = text.replace("met the", "met all of the").replace("Sunday", "Monday");
    const anchor = resolveTarget(edited, target);
    expect(anchor.state).not.toBe("orphaned");
    if (anchor.state === "orphaned") return;
    const placedText = Array.from(edited).slice(anchor.start, anchor.end).join("");
    expect(placedText.endsWith(family) || !placedText.includes("\u{1F468}")).toBe(true);
    const segments = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(edited)].map((s) => s.index);
    const unit = (cp: number) => Array.from(edited).slice(0, cp).join("").length;
    expect(segments).toContain(unit(anchor.start));
    expect([...segments, edited.length]).toContain(unit(anchor.end));
  });

  it("places a short passage whose one word was replaced by a shorter one, when its context is intact", () => {
    const quote = "both today under tough sanctions";
    const target = targetFor(SEED, quote);
    const edited = SEED.replace(quote, "both today under new sanctions");
    const anchor = resolveTarget(edited, target);
    expect(anchor.state).toBe("fuzzy");
    if (anchor.state === "fuzzy") expect(new CodePointIndex(edited).slice(anchor.start, anchor.end)).toBe("both today under new sanctions");
    // Its words rewritten beyond the threshold, its context intact: an orphan, not a guess.
    const replaced = SEED.replace(quote, "a long series of very different words");
    expect(resolveTarget(replaced, target).state).toBe("orphaned");
  });

  it("places a passage whose first word was replaced on the whole new passage, when a word of its prefix was replaced too", () => {
    const quote = "and security perspectives in Eurasia.";
    const target = targetFor(SEED, quote);
    const edited = SEED.replace("geopolitical, economic, and security perspectives", "geopolitical, top, and new perspectives");
    const anchor = resolveTarget(edited, target);
    // Its tail alone ("perspectives in Eurasia.") would read the first words as deleted; they were replaced.
    if (anchor.state !== "orphaned") expect(new CodePointIndex(edited).slice(anchor.start, anchor.end)).toBe("and new perspectives in Eurasia.");
    expect(anchor.state).toBe("fuzzy");
  });

  it("does not jump to an identical copy far away when its own passage only had a typo fixed", () => {
    const quote = "Russia and the Iranian regime are both today under tough sanctions";
    const line = SEED.split("\n").find((l) => l.includes(quote))!;
    // The paragraph twice, far apart: the annotation is on the second copy.
    const doubled = `${line}\n\n${"Filler text of another kind. ".repeat(80)}\n\n${line}\n`;
    const index = new CodePointIndex(doubled);
    const at = index.toCodePoint(doubled.lastIndexOf(quote));
    const target = buildTarget(index, { start: at, end: at + Array.from(quote).length }, 1);
    const fixedAt = doubled.lastIndexOf(quote);
    const edited = `${doubled.slice(0, fixedAt)}${quote.replace("Iranian", "Irnaian")}${doubled.slice(fixedAt + quote.length)}`;
    const anchor = resolveTarget(edited, target);
    // Placed on the edited copy, or orphaned as ambiguous: never on the untouched copy at the top.
    if (anchor.state !== "orphaned") expect(anchor.start).toBeGreaterThan(Array.from(line).length);
    expect(anchor.state === "orphaned" || anchor.start === at).toBe(true);
  });
});

/** Where `quote` (its `nth` occurrence, from 0) on `text` lands on `revised`: the words now under it, or null when orphaned. */
function landing(text: string, quote: string, revised: string, nth = 0) {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(quote, at + 1);
  expect(at, quote).toBeGreaterThanOrEqual(0);
  const index = new CodePointIndex(text);
  const start = index.toCodePoint(at);
  const target = buildTarget(index, { start, end: start + Array.from(quote).length }, 1);
  const anchor = resolveTarget(revised, target, { oldLength: index.length });
  return { anchor, words: anchor.state === "orphaned" ? null : new CodePointIndex(revised).slice(anchor.start, anchor.end) };
}

describe("resolveTarget beside an edit", () => {
  const text =
    "Trade rose in spring as Iran sold more oil to other countries. Moscow hoped to bypass the sanctions through Iranian companies. " +
    "The revival of the JCPOA was one of the options, but talks stalled. Officials spoke of a block of aligned and anti-American countries. " +
    "Later the talks on the JCPOA, which had stalled, resumed in Vienna under new envoys.";
  const added = "A clarifying sentence was added here by the editors. ";

  it("keeps an unchanged short quote exact when a sentence is inserted right before it", () => {
    const revised = text.replace("companies. The revival", `companies. ${added}The revival`);
    expect(landing(text, "The revival of the JCPOA", revised)).toMatchObject({ anchor: { state: "anchored" }, words: "The revival of the JCPOA" });
  });

  it("keeps an unchanged short quote exact when a sentence is inserted right after it", () => {
    const revised = text.replace("anti-American countries. ", `anti-American countries. ${added}`);
    const { anchor, words } = landing(text, "untries.", revised, 1);
    expect(anchor.state).toBe("anchored");
    expect(words).toBe("untries.");
    if (anchor.state !== "orphaned") expect(anchor.start).toBe(revised.indexOf("untries. A clarifying"));
  });

  it("keeps a repeated short quote exact where its prefix is intact and words were inserted after it", () => {
    const revised = text.replace("the JCPOA, which", "the JCPOA (nuclear deal), which");
    const { anchor } = landing(text, "the JCPOA", revised, 1);
    expect(anchor).toMatchObject({ state: "anchored", start: revised.indexOf("the JCPOA (nuclear") });
  });

  it("places a word replaced between intact context when other words of its prefix changed too", () => {
    const sale = "Ties grew through the Shanghai Cooperation Organisation (SCO), the sale of Sukhoi Su-35, and nuclear coordination.";
    const revised = sale.replace("Organisation", "Org.").replace("Su-35", "Su-57");
    expect(landing(sale, "Sukhoi Su-35", revised)).toMatchObject({ anchor: { state: "fuzzy" }, words: "Sukhoi Su-57" });
  });

  it("places a quote that is the whole text when its last mark changes", () => {
    expect(landing("Whole text quote only here.", "Whole text quote only here.", "Whole text quote only here!")).toMatchObject({
      anchor: { state: "fuzzy" },
      words: "Whole text quote only here!",
    });
  });

  it("orphans a quote whose paragraph was deleted, rather than placing it on other words or mid-word", () => {
    const repeated =
      "Hamid Bahrami\n\nRepeated quotes\n\nThe minister said “we will not yield”. Critics replied. The minister said “we will not yield”. Analysts doubted it.\n\n" +
      "Later in July the minister said “we will not yield” again, and the phrase became a slogan.\n\nA final paragraph repeats: the minister said “we will not yield”.";
    const first = "The minister said “we will not yield”. Critics replied. The minister said “we will not yield”. Analysts doubted it.\n\n";
    const july = "Later in July the minister said “we will not yield” again, and the phrase became a slogan.\n\n";
    for (const nth of [0, 1]) expect(landing(repeated, "The minister said “we", repeated.replace(first, ""), nth).anchor.state, `copy ${nth}`).toBe("orphaned");
    expect(landing(repeated, "July the minister said", repeated.replace(july, "")).anchor.state).toBe("orphaned");
    // Its head stands in another paragraph after the same few words, but the rest of its prefix does not.
    expect(landing(repeated, "“we will not yield”. Analysts", repeated.replace(first, "")).anchor.state).toBe("orphaned");
  });

  it("orphans a quote cut short when its paragraph was deleted and its head stands elsewhere after other context", () => {
    const paragraph = SEED.split("\n").find((line) => line.includes("especially the United States, regarding"))!;
    expect(landing(SEED, "especially the United States, regarding", SEED.replace(`${paragraph}\n`, "")).anchor.state).toBe("orphaned");
  });
});

/**
 * Words written into a quote, as a correction does (the bench's "words written in" row), resolved without an edit
 * map, as targets on an older revision are: the words of the quote are all there with others between them, and
 * the quote is placed on the whole passage or orphaned, never on the part on one side of the new words. The
 * pairs are from that row (quotes seed 20261126, edit seeds 8, 9, 11 and 12), each edit made on the seed article alone.
 */
describe("resolveTarget on words written into a quote, without an edit map", () => {
  // Each: the quote, the words of the seed article the correction rewrote, what it wrote, and the whole passage now.
  const cases = [
    // Read as cut short on the side of the prefix: the words written in were taken for the rest of it deleted.
    [
      "help boost trade and financial transactions. (Reuters, 2023).\u00a0The development of",
      ["trade and financial transactions", "trade so-called military and reported financial wider transactions"],
      "help boost trade so-called military and reported financial wider transactions. (Reuters, 2023).\u00a0The development of",
    ],
    // The same on the side of the suffix.
    [
      "Since the war in Ukraine, Moscow’s tendency towards",
      ["Since the war in", "Since wider wider the announced war reported in"],
      "Since wider wider the announced war reported in Ukraine, Moscow’s tendency towards",
    ],
    [
      "of the West. Thus, distancing the Iranian regime from Russia failed",
      ["of the West. Thus, distancing", "of wider wider the West. Thus, reported announced wider distancing"],
      "of wider wider the West. Thus, reported announced wider distancing the Iranian regime from Russia failed",
    ],
    ["a relationship allows Moscow to keep its", ["a relationship allows", "a growing relationship announced allows"], "a growing relationship announced allows Moscow to keep its"],
    // Aligned with its last word, "a", left out rather than "wider" written in before it.
    [
      "eventually lead to the formation of a",
      ["formation of a block of aligned", "formation of wider a block of recent aligned"],
      "eventually lead to the formation of wider a",
    ],
    // Aligned with its last word, "to", read on the "so" of "so-called": a hyphen joins a word, it does not end one.
    [
      "goals of isolating Russia through having direct access to",
      ["isolating Russia through having direct access to", "isolating Russia announced through having direct access so-called to"],
      "goals of isolating Russia announced through having direct access so-called to",
    ],
    // Words written just outside it on both sides, the nearest of its context still standing: they are not its own.
    [
      "partnerships between Iran and",
      ["military partnerships between Iran and Russia as Godwin et al", "military several partnerships between Iran and Russia as Godwin recent et al"],
      "partnerships between Iran and",
    ],
  ] as const;

  it.each(cases)("places %j on the whole passage or orphans it", (quote, [before, after], whole) => {
    const { anchor, words } = landing(SEED, quote, SEED.replace(before, after));
    expect(anchor.state === "orphaned" || words === whole, `placed on ${JSON.stringify(words)}`).toBe(true);
    // Words written in are never taken for the quote exactly.
    if (words !== quote) expect(anchor.state).not.toBe("anchored");
  });

  it("places them on the whole passage where the context on one side of it stands", () => {
    for (const [quote, [before, after], whole] of cases.slice(0, 2)) {
      expect(landing(SEED, quote, SEED.replace(before, after)), quote).toMatchObject({ anchor: { state: "fuzzy" }, words: whole });
    }
  });
});

/**
 * Inputs crafted to make re-anchoring slow (bench/results/anchoring.md has their costs). Each must
 * complete and end as it should; how fast is the bench's to say, not the suite's.
 */
describe("resolveTarget never reads another passage's words as written into a quote", () => {
  const lead = "The court issued its ruling on Tuesday afternoon. ";
  /** Where `quote` lands, without an edit map, once `before` reads `after`: its words, or null when orphaned. */
  function landed(before: string, after: string, quote: string): string | null {
    const old = new CodePointIndex(before);
    const start = old.toCodePoint(before.indexOf(quote));
    const target = buildTarget(old, { start, end: start + Array.from(quote).length }, 1);
    const index = new CodePointIndex(after);
    const anchor = resolveTarget(index, target, { oldLength: old.length });
    return anchor.state === "orphaned" ? null : index.slice(anchor.start, anchor.end);
  }

  it("stops at the end of the quote's sentence: its last word found in the next one is that sentence's", () => {
    const before = `${lead}Critics called the ruling a victory for the government's opponents. Supporters said the government's opponents had misread it.`;
    const after = `${lead}Critics called the ruling a victory for its opponents. Supporters said the government's opponents had misread it.`;
    expect(landed(before, after, "the ruling a victory for the") ?? "").not.toContain("Supporters");
  });

  it("takes a last word as short as 'the' found again further on only where the context beyond it still stands", () => {
    const before = `${lead}The minister said the new rules would apply to the schools of the north, and later to the schools of the south.`;
    const after = `${lead}The minister said the new rules would apply to northern schools first, and later to the schools of the south.`;
    expect(landed(before, after, "the new rules would apply to the") ?? "").not.toContain("later");
  });

  it("checks the far side of words read past, where the quote's head stood beside its prefix: a clause that repeats its last words is another's", () => {
    const before = `${lead}Sales rose by two percent in the north, and costs rose by two percent in the north, the report said.`;
    const after = `${lead}Sales rose sharply, and costs rose by two percent in the north, the report said.`;
    expect(landed(before, after, "Sales rose by two percent") ?? "").not.toContain("costs");
    const mayor = `${lead}The mayor said the bridge would reopen in June, and the governor said the bridge would reopen in July, officials said.`;
    const nothing = `${lead}The mayor said nothing, and the governor said the bridge would reopen in July, officials said.`;
    expect(landed(mayor, nothing, "The mayor said the bridge would reopen") ?? "").not.toContain("governor");
    // Words written in with the suffix standing: still the whole passage.
    const monday = `${lead}The mayor said on Monday that the old bridge would reopen in June, officials said.`;
    expect(landed(mayor, monday.replace(" officials said.", " and the governor said the bridge would reopen in July, officials said."), "The mayor said the bridge would reopen in June")).toBe(
      "The mayor said on Monday that the old bridge would reopen in June",
    );
  });

  it("still reads a sentence inserted between two of the quote's own as inserted", () => {
    const before = `${lead}Critics called it a victory. Supporters said nothing at all that day.`;
    const after = `${lead}Critics called it a victory. Nobody had expected it. Supporters said nothing at all that day.`;
    expect(landed(before, after, "Critics called it a victory. Supporters said nothing")).toBe("Critics called it a victory. Nobody had expected it. Supporters said nothing");
  });
});

describe("resolveTarget on hostile input", () => {
  const revised = `A note was added at the top.\n\n${SEED}`;
  const seedLength = Array.from(SEED).length;
  // Seeded, so that a failure replays.
  let state = 20261202;
  const letter = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return String.fromCharCode(0x61 + (state % 26));
  };
  const junk = (n: number) => Array.from({ length: n }, letter).join("");

  it('orphans ten " the " quotes whose 200 characters of context are junk', () => {
    const at = SEED.indexOf(" the ");
    const index = new CodePointIndex(revised);
    for (let i = 0; i < 10; i++) {
      const target = { revision: 1, exact: " the ", prefix: junk(200), suffix: junk(200), start: at, end: at + 5 };
      expect(resolveTarget(index, target, { oldLength: seedLength }).state).toBe("orphaned");
    }
  });

  it("orphans a 20,000-character quote of junk", () => {
    const target = { revision: 1, exact: junk(20_000), prefix: "", suffix: "", start: 100, end: 20_100 };
    expect(resolveTarget(revised, target, { oldLength: seedLength }).state).toBe("orphaned");
  });

  it("resolves 500 quotes on a 1 MB paragraph of one repeated letter, each where it was", { timeout: 120_000 }, () => {
    const letters = "a".repeat(1_000_000);
    const old = new CodePointIndex(letters);
    const index = new CodePointIndex(`${letters}b`);
    const states: Record<string, number> = {};
    for (let i = 0; i < 500; i++) {
      const start = (i * 1999) % 990_000;
      const target = buildTarget(old, { start, end: start + 5 + (i % 300) }, 1);
      const anchor = resolveTarget(index, target, { oldLength: letters.length });
      states[anchor.state] = (states[anchor.state] ?? 0) + 1;
      if (anchor.state !== "orphaned") expect([anchor.start, anchor.end]).toEqual([target.start, target.end]);
    }
    // Each quote is still at its old place with its context around it, which is taken before any search: none
    // is told apart from its copies, and none need be.
    expect(states).toEqual({ anchored: 500 });
  });
});
