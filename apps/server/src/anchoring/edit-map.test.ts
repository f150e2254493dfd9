import { CodePointIndex, buildTarget, resolveTarget } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { EditMap } from "./edit-map.ts";
import { resolveSlice } from "./jobs.ts";
import { SEED_ARTICLE } from "../../test/support/fixtures.ts";

const QUOTE = "the deal held";
const before = [
  "Tehran and Moscow met again in the spring, as they had in the winter before.",
  `By the summer ${QUOTE}, to the surprise of the envoys who had worked on it.`,
  "Neither capital said much about what came next, and the markets waited.",
].join(" ");
// A correction that writes new sentences right before and right after the quote: none of its context is left.
const after = before
  .replace("By the summer ", "Officials later disputed the account of the talks given by both sides. By the end of it ")
  .replace(", to the surprise", "; a second round was planned for the autumn in a third country. Few expected it, to the surprise");

function targetOnBefore(quote: string) {
  const index = new CodePointIndex(before);
  const start = index.toCodePoint(before.indexOf(quote));
  return buildTarget(index, { start, end: start + Array.from(quote).length }, 1);
}

describe("EditMap", () => {
  it("carries a stretch the revision kept to its new place, and nothing that was rewritten", () => {
    const map = new EditMap(before, after);
    const at = before.indexOf(QUOTE);
    expect(map.carry(at, at + QUOTE.length)).toBe(after.indexOf(QUOTE));
    const rewritten = before.indexOf("By the summer");
    expect(map.carry(rewritten, rewritten + "By the summer".length)).toBeNull();
    // A position in rewritten text ("summer") goes to the end of the kept stretch before it ("By the ").
    expect(map.place(rewritten + "By the su".length)).toBe(after.indexOf("By the end") + "By the ".length);
  });

  it("keeps a short quote whose context the correction replaced on both sides, where the map alone places it", () => {
    const target = targetOnBefore(QUOTE);
    const job = { text: after, oldLength: Array.from(before).length, targets: [target] };
    // Without the old text there is nothing to tell this quote by: its context is gone.
    expect(resolveSlice({ ...job, key: "without" })[0]!.state).toBe("orphaned");
    const [anchor] = resolveSlice({ ...job, key: "with", before: { revision: 1, text: before } });
    expect(anchor).toMatchObject({ state: "anchored" });
    const index = new CodePointIndex(after);
    if (anchor?.state !== "anchored") throw new Error("not anchored");
    expect(index.slice(anchor.start, anchor.end)).toBe(QUOTE);
  });

  it("uses the map only for targets made on the text it starts from", () => {
    const onOlder = { ...targetOnBefore(QUOTE), revision: 0 };
    const [anchor] = resolveSlice({ key: "older", text: after, oldLength: Array.from(before).length, targets: [onOlder], before: { revision: 1, text: before } });
    expect(anchor!.state).toBe("orphaned");
  });

  it("does not take the map's word for a quote that occurs elsewhere too: a diff can pair it with a copy", () => {
    const copy = `${after} Later, by the summer ${QUOTE}, as a second dispatch put it.`;
    const target = targetOnBefore(QUOTE);
    // As a diff of a text that repeats itself may have it: the kept stretch paired with the other copy.
    const wrong = copy.lastIndexOf(QUOTE);
    const anchor = resolveTarget(new CodePointIndex(copy), target, { edits: { carried: wrong, moved: wrong } });
    expect(anchor.state === "orphaned" || new CodePointIndex(copy).toUtf16(anchor.start) !== wrong).toBe(true);
  });
});

describe("EditMap follows a short quote whose words the correction kept around words it added", () => {
  /** Where `quote`, a fact-check's on the seed article, lands once `from` reads `to`: its new words, or null when orphaned. */
  function moved(from: string, to: string, quote: string): string | null {
    expect(SEED_ARTICLE.split(from).length, from).toBe(2);
    const after = SEED_ARTICLE.replace(from, to);
    const old = new CodePointIndex(SEED_ARTICLE);
    const start = old.toCodePoint(SEED_ARTICLE.indexOf(quote));
    const target = buildTarget(old, { start, end: start + Array.from(quote).length }, 1);
    const job = { key: `${to}|${quote}`, text: after, oldLength: old.length, targets: [target], before: { revision: 1, text: SEED_ARTICLE } };
    const [anchor] = resolveSlice(job);
    if (anchor!.state === "orphaned") return null;
    expect(anchor!.state).toBe("fuzzy");
    return new CodePointIndex(after).slice(anchor!.start, anchor!.end);
  }

  it("places the verdict on the sale of Sukhoi Su-35 once the correction calls it the announced sale of fighter jets", () => {
    const [from, to] = ["the sale of Sukhoi Su-35,", "the announced sale of Sukhoi Su-35 fighter jets,"];
    expect(moved(from, to, "the sale of Sukhoi Su-35")).toBe("the announced sale of Sukhoi Su-35");
    expect(moved(from, to, "the sale of Sukhoi Su-35,")).toBe("the announced sale of Sukhoi Su-35 fighter jets,");
    expect(moved(from, to, "sale of Sukhoi Su-35,")).toBe("sale of Sukhoi Su-35 fighter jets,");
  });

  it("places a short quote with a word written into it and its context edited beside it", () => {
    expect(moved("Iran’s nuclear blackmail are", "Iran’s ongoing nuclear blackmail, all of which are", "Iran’s nuclear blackmail")).toBe("Iran’s ongoing nuclear blackmail");
    expect(moved("drones to attack Ukraine,", "drones to attack civilians in Ukraine since 2022,", "drones to attack Ukraine")).toBe("drones to attack civilians in Ukraine");
  });

  it("places a quote with a word added near each end", () => {
    const [from, to] = ["Iranian drones to attack Ukraine", "Iranian kamikaze drones to attack eastern Ukraine"];
    expect(moved(from, to, from)).toBe(to);
    const quote = "they have been able to challenge the US hegemony";
    expect(moved(quote, "they have clearly been able to openly challenge the US hegemony", quote)).toBe("they have clearly been able to openly challenge the US hegemony");
  });

  it("does not follow the map onto words whose context is another passage's: a diff can pair them with a copy", () => {
    const quote = "the sale of Sukhoi Su-35";
    const after = `${SEED_ARTICLE.replace("the sale of Sukhoi Su-35,", "the announced sale of Sukhoi Su-35 fighter jets,")}\nA court later halted the announced sale of Sukhoi Su-35 fighter jets, and Tehran-Moscow coordination in other fields.`;
    const old = new CodePointIndex(SEED_ARTICLE);
    const start = old.toCodePoint(SEED_ARTICLE.indexOf(quote));
    const target = buildTarget(old, { start, end: start + Array.from(quote).length }, 1);
    // As a diff of a text that repeats itself may have it: the quote's end words paired with the copy.
    const copy = after.lastIndexOf("the announced sale");
    const followed = { start: copy, end: copy + "the announced sale of Sukhoi Su-35".length, kept: quote.length };
    const anchor = resolveTarget(new CodePointIndex(after), target, { edits: { carried: null, moved: copy, followed: () => followed } });
    expect(anchor.state === "orphaned" || new CodePointIndex(after).toUtf16(anchor.start) !== copy).toBe(true);
  });

  it("still orphans a quote whose middle was rewritten, though its first and last words stand", () => {
    const cases = [
      ["The use of Iranian drones to attack Ukraine", "The use of cheap loitering munitions bought from Tehran against Ukraine", "The use of Iranian drones to attack Ukraine"],
      ["the sale of Sukhoi Su-35,", "the promised delivery of several dozen Su-35,", "the sale of Sukhoi Su-35"],
      // The diff keeps stray letters and spaces of a rewritten middle (a, re, th, at, i, s: 30 of 35 units).
      ["powers, a threat that is incredibly", "powers, States, regarding the relationship incredibly", "powers, a threat that is incredibly"],
      ["writes that both Russia and Iran have found", "writes deepening ties? Russian President visited Iran found", "writes that both Russia and Iran have found"],
      ["regarding the sale of the S-300 air defense", "regarding context of the 21st century geopolitics’, defense", "regarding the sale of the S-300 air defense"],
    ] as const;
    for (const [from, to, quote] of cases) expect(moved(from, to, quote), to).toBeNull();
  });

  it("judges the words between the ends whole, not the letters a diff happened to keep", () => {
    const [from, to] = ["powers, a threat that is incredibly", "powers, States, regarding the relationship incredibly"];
    const at = SEED_ARTICLE.indexOf(from);
    expect(new EditMap(SEED_ARTICLE, SEED_ARTICLE.replace(from, to)).follow(at, at + from.length, from)).toBeNull();
    // Words written in between kept ones still follow, with what was kept of the quote counted.
    const quote = "the sale of Sukhoi Su-35";
    const q = SEED_ARTICLE.indexOf(quote);
    const map = new EditMap(SEED_ARTICLE, SEED_ARTICLE.replace("the sale of Sukhoi Su-35,", "the announced sale of Sukhoi Su-35 fighter jets,"));
    expect(map.follow(q, q + quote.length, quote)).toMatchObject({ kept: quote.length });
  });
});

describe("EditMap on a long text that repeats its sentences", () => {
  /** The share of the sentences a correction left as they were that the map carries whole to their new place. */
  function carriedShare(seed: number, edit: (sentence: string, at: number) => string, share: number) {
    console.log(`edit map on repeated sentences: seed ${seed}`);
    let state = seed;
    const rand = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const sentences = SEED_ARTICLE.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.length > 20);
    // About 2 MB of the same sentences in a shuffled order, in one paragraph: a diff line by line has nothing to hold on to.
    const units = Array.from({ length: 150 }, () => sentences).flat();
    for (let i = units.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [units[i], units[j]] = [units[j]!, units[i]!];
    }
    const join = (list: string[]) => list.join(" ");
    const edited = units.map((s, i) => (rand() < share ? edit(s, i) : s));
    const old = join(units);
    const revised = join(edited);
    const map = new EditMap(old, revised);
    let at = 0;
    let to = 0;
    let kept = 0;
    let carried = 0;
    units.forEach((s, i) => {
      const start = old.indexOf(s, at);
      const there = revised.indexOf(edited[i]!, to);
      at = start + s.length;
      to = there + edited[i]!.length;
      if (edited[i] !== s) return;
      kept++;
      if (map.carry(start, start + s.length) === there) carried++;
    });
    return carried / kept;
  }

  it("still finds what a correction kept, where a diff letter by letter gives up at its deadline", () => {
    expect(carriedShare(20261206, (s) => s.replace(" ", " amended "), 0.1)).toBeGreaterThan(0.95);
  });

  it("still finds what a correction kept when it rewrote a fifth of the sentences, where a diff sentence by sentence gives up too", () => {
    expect(carriedShare(20261207, (_, i) => `The editors rewrote sentence ${i} from the ground up.`, 0.2)).toBeGreaterThan(0.95);
  });
});
