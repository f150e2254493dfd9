import { describe, expect, it } from "vitest";
import type { Block } from "@marginalia/schema";
import { PackedBlocks, packBlocks, transferablesOf } from "./packed-blocks.ts";

describe("packed blocks", () => {
  const blocks: Block[] = [
    { kind: "title", start: 0, end: 5 },
    { kind: "heading", start: 7, end: 12, level: 2 },
    { kind: "paragraph", start: 14, end: 30, page: 3 },
    { kind: "bio", start: 32, end: 40, level: 6, page: 500 },
  ];

  it("reads back every field, and no field a block did not have", () => {
    const packed = new PackedBlocks(packBlocks(blocks));
    expect(packed.length).toBe(4);
    expect(packed.slice()).toEqual(blocks);
    expect(Object.keys(packed.slice(0, 1)[0]!)).toEqual(["kind", "start", "end"]);
  });

  it("slices as an array does", () => {
    const packed = new PackedBlocks(packBlocks(blocks));
    for (const [start, end] of [[1, 3], [-2, undefined], [0, -1], [3, 99], [5, 9], [-9, 2]] as const) {
      expect(packed.slice(start, end)).toEqual(blocks.slice(start, end));
    }
  });

  it("hands over its four buffers", () => {
    const data = packBlocks(blocks);
    expect(transferablesOf(data)).toEqual([data.kinds.buffer, data.levels.buffer, data.pages.buffer, data.bounds.buffer]);
  });
});
