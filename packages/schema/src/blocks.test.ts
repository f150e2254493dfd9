import { describe, expect, it } from "vitest";
import { BLOCK_KINDS, blockSchema } from "./blocks.ts";

// An article's read cuts the blocks' JSON by bytes (apps/server/src/services/article-answer.ts): a field that
// could hold characters outside ASCII would let a cut fall inside one.
describe("blocks", () => {
  it("hold ASCII kinds and numbers only", () => {
    for (const kind of BLOCK_KINDS) expect(kind).toMatch(/^[\x20-\x7e]+$/);
    const fields = Object.entries(blockSchema.shape).map(([name, field]) => {
      const inner = "unwrap" in field && typeof field.unwrap === "function" ? field.unwrap() : field;
      return [name, inner.def.type] as const;
    });
    expect(fields).toEqual([
      ["kind", "enum"],
      ["start", "number"],
      ["end", "number"],
      ["level", "number"],
      ["page", "number"],
    ]);
  });
});
