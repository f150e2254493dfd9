import { describe, expect, it } from "vitest";
import { textParts } from "./revision-drafts.ts";

describe("textParts", () => {
  it("cuts at the size given, never between the halves of a surrogate pair, and joins back to the text", () => {
    // An astral character at every offset around each cut.
    for (let offset = 0; offset < 4; offset++) {
      const text = `${"a".repeat(offset)}${"😀b".repeat(10)}`;
      const parts = textParts(text, 4);
      expect(parts.join("")).toBe(text);
      for (const part of parts) {
        expect(part.length).toBeLessThanOrEqual(4);
        expect(part.length).toBeGreaterThan(0);
        // No part starts with a low surrogate or ends with a high one.
        expect(part.charCodeAt(0) >= 0xdc00 && part.charCodeAt(0) <= 0xdfff).toBe(false);
        const last = part.charCodeAt(part.length - 1);
        expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      }
    }
  });

  it("gives one empty part for an empty text, and the text whole when it fits", () => {
    expect(textParts("")).toEqual([""]);
    expect(textParts("short", 10)).toEqual(["short"]);
    expect(textParts("abcdefgh", 4)).toEqual(["abcd", "efgh"]);
  });
});
