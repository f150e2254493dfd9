import { describe, expect, it } from "vitest";
import { blockSentences, nextSentence, previousSentence } from "./sentences.ts";
import { TextMap } from "./text-map.ts";

const node = (name: string) => ({ name });
const text = "Title\n\nOne 😀 here. Two follows!\n\nآیا این کافی است؟ بله، کافی است.";
const cps = [...text];
const blockOf = (s: string, name: string) => {
  const start = cps.findIndex((_, i) => cps.slice(i, i + [...s].length).join("") === s);
  return { start, end: start + [...s].length, node: node(name) };
};
const map = new TextMap(text, [blockOf("Title", "t"), blockOf("One 😀 here. Two follows!", "p"), blockOf("آیا این کافی است؟ بله، کافی است.", "fa")]);
const said = (span: { start: number; end: number } | null) => (span ? map.slice(span) : null);

describe("sentence steps", () => {
  it("splits blocks into sentences in code points, astral characters and the Persian question mark included", () => {
    expect(blockSentences(map, map.placed[1]!).map(said)).toEqual(["One 😀 here.", "Two follows!"]);
    expect(blockSentences(map, map.placed[2]!).map(said)).toEqual(["آیا این کافی است؟", "بله، کافی است."]);
  });

  it("walks forward and back through the article, across blocks, and stops at either end", () => {
    const seen: string[] = [];
    for (let s = nextSentence(map, null); s; s = nextSentence(map, s)) seen.push(said(s)!);
    expect(seen).toEqual(["Title", "One 😀 here.", "Two follows!", "آیا این کافی است؟", "بله، کافی است."]);
    const back: string[] = [];
    for (let s = previousSentence(map, null); s; s = previousSentence(map, s)) back.push(said(s)!);
    expect(back).toEqual([...seen].reverse());
  });

  it("steps from a selection that is not a whole sentence to the next and previous whole ones", () => {
    const two = blockSentences(map, map.placed[1]!)[1]!;
    const inside = { start: two.start + 1, end: two.start + 4 };
    expect(said(nextSentence(map, inside))).toBe("آیا این کافی است؟");
    expect(said(previousSentence(map, inside))).toBe("One 😀 here.");
  });
});
