import { describe, expect, it } from "vitest";
import { CodePointIndex } from "./code-points.ts";
import { buildTarget, quoteIsAt } from "./selectors.ts";

/** The reference: Array.from splits a string into code points. */
const cpSlice = (text: string, start: number, end: number) => Array.from(text).slice(start, end).join("");

describe("CodePointIndex", () => {
  it("is the identity on text without astral characters, combining marks included", () => {
    const text = "Iran. \u064FThe West\u00a0said\r\nno";
    const index = new CodePointIndex(text);
    expect(index.length).toBe(text.length);
    for (let i = 0; i <= text.length; i++) {
      expect(index.toUtf16(i)).toBe(i);
      expect(index.toCodePoint(i)).toBe(i);
    }
  });

  it("counts an emoji as one code point and two UTF-16 units", () => {
    const text = "a😀b🇺🇳c";
    const index = new CodePointIndex(text);
    expect(index.length).toBe(Array.from(text).length);
    expect(index.toUtf16(1)).toBe(1);
    expect(index.toUtf16(2)).toBe(3);
    expect(index.toUtf16(3)).toBe(4);
    expect(index.toCodePoint(3)).toBe(2);
    expect(index.toCodePoint(2)).toBe(1); // inside the pair: the emoji itself
    expect(index.slice(1, 2)).toBe("😀");
    expect(index.slice(3, 5)).toBe("🇺🇳");
  });

  it("agrees with Array.from on every offset of a mixed text", () => {
    const text = "🧪 Test: e\u0301te\u0301 — 𝒳 \u00a0 مرحبا\u064F\r\n😀😀 end";
    const index = new CodePointIndex(text);
    const points = Array.from(text);
    let unit = 0;
    for (let cp = 0; cp <= points.length; cp++) {
      expect(index.toUtf16(cp)).toBe(unit);
      expect(index.toCodePoint(unit)).toBe(cp);
      unit += points[cp]?.length ?? 0;
    }
    for (let s = 0; s < points.length; s += 3) expect(index.slice(s, s + 4)).toBe(cpSlice(text, s, s + 4));
  });

  it("clamps offsets outside the text", () => {
    const index = new CodePointIndex("ab😀");
    expect(index.toUtf16(-5)).toBe(0);
    expect(index.toUtf16(99)).toBe(4);
    expect(index.toCodePoint(99)).toBe(3);
  });
});

describe("buildTarget", () => {
  it("takes the quote and 32 code points of context on each side", () => {
    const text = `${"x".repeat(40)}😀 the claim 😀${"y".repeat(40)}`;
    const start = 41;
    const target = buildTarget(text, { start, end: start + 11 }, 3);
    expect(target).toMatchObject({ revision: 3, exact: " the claim ", start: 41, end: 52 });
    expect(Array.from(target.prefix)).toHaveLength(32);
    expect(target.prefix.endsWith("x😀")).toBe(true);
    expect(target.suffix.startsWith("😀y")).toBe(true);
    expect(quoteIsAt(new CodePointIndex(text), target)).toBe(true);
  });

  it("keeps CRLF, non-breaking spaces and combining marks as they are", () => {
    const text = "line one\r\nline\u00a0two \u064Fmark";
    const target = buildTarget(text, { start: 8, end: 19 }, 1, 4);
    expect(target.exact).toBe("\r\nline\u00a0two ");
    expect(target.suffix).toBe("\u064Fmar");
    expect(target.prefix).toBe(" one");
  });

  it("orders a backwards range and clamps it to the text", () => {
    const target = buildTarget("abcdef", { start: 10, end: 2 }, 1);
    expect(target).toMatchObject({ start: 2, end: 6, exact: "cdef", suffix: "" });
  });
});
