import { describe, expect, it } from "vitest";
import { TextMap } from "./text-map.ts";

/** Stand-ins for text nodes: the arithmetic does not need a DOM. */
const node = (name: string) => ({ name });

// Three blocks with gaps between them, and astral characters (two UTF-16 units each) in the text.
const text = "Title 😀\n\nFirst 𝒜 paragraph.\n\nLast one.";
const cps = [...text];
const blockOf = (s: string) => {
  const start = cps.findIndex((_, i) => cps.slice(i, i + [...s].length).join("") === s);
  return { start, end: start + [...s].length };
};
const title = { ...blockOf("Title 😀"), node: node("title") };
const first = { ...blockOf("First 𝒜 paragraph."), node: node("first") };
const last = { ...blockOf("Last one."), node: node("last") };
const map = new TextMap(text, [last, title, first]);

describe("TextMap", () => {
  it("places a span inside one block at UTF-16 offsets of that block's node", () => {
    // "paragraph" starts after "First 𝒜 " (8 code points, 9 UTF-16 units).
    const start = first.start + 8;
    const located = map.locate({ start, end: start + 9 });
    expect(located).toEqual({ start: { node: first.node, offset: 9 }, end: { node: first.node, offset: 18 } });
    expect(map.slice({ start, end: start + 9 })).toBe("paragraph");
  });

  it("spans blocks, snapping ends that fall in the gaps into the blocks", () => {
    const located = map.locate({ start: title.end, end: last.start + 4 });
    expect(located).toEqual({ start: { node: first.node, offset: 0 }, end: { node: last.node, offset: 4 } });
    const fromGap = map.locate({ start: title.end + 1, end: first.start + 5 });
    expect(fromGap?.start).toEqual({ node: first.node, offset: 0 });
  });

  it("places nothing for a span that lies only in a gap or outside the text", () => {
    expect(map.locate({ start: title.end, end: first.start })).toBeNull();
    expect(map.locate({ start: cps.length + 3, end: cps.length + 9 })).toBeNull();
  });

  it("maps a node offset back to a code point, rounding into a surrogate pair's start", () => {
    expect(map.codePointAt(title.node, 6)).toBe(title.start + 6);
    expect(map.codePointAt(title.node, 7)).toBe(title.start + 6);
    expect(map.codePointAt(title.node, 8)).toBe(title.end);
    expect(map.codePointAt(node("elsewhere"), 0)).toBeNull();
  });

  it("round-trips every code point of every block", () => {
    for (const block of [title, first, last]) {
      for (let cp = block.start; cp < block.end; cp++) {
        const point = map.locate({ start: cp, end: cp + 1 })!.start;
        expect(point.node).toBe(block.node);
        expect(map.codePointAt(point.node, point.offset)).toBe(cp);
      }
    }
  });

  it("trims whitespace off a selection", () => {
    expect(map.trim({ start: first.start - 2, end: first.start + 5 })).toEqual({ start: first.start, end: first.start + 5 });
    expect(map.trim({ start: title.end, end: first.start })).toBeNull();
  });
});
