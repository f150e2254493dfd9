import { describe, expect, it, vi } from "vitest";
import { type TextRun, blocksOf, joinLines, linesOf, paragraphsOf } from "./pdf-layout.mjs";

/** A run as pdf.js reports it: text at (x, y) in a font of `size`, `width` wide. */
const run = (str: string, x: number, y: number, size = 10, width = str.length * size * 0.5, hasEOL = false): TextRun => ({
  str,
  transform: [size, 0, 0, size, x, y],
  width,
  height: size,
  hasEOL,
});

describe("the PDF layout", () => {
  it("puts runs on one baseline into a line, adding the spaces a PDF leaves out as gaps", () => {
    const lines = linesOf([run("Hello", 50, 700, 10, 25), run("world", 80, 700.5, 10, 25), run("", 0, 0, 0, 0, true), run("Next line", 50, 688)]);
    expect(lines.map((l) => l.text)).toEqual(["Hello world", "Next line"]);
    // Runs that touch are one word.
    expect(linesOf([run("exam", 50, 700, 10, 20), run("ple", 70, 700)]).map((l) => l.text)).toEqual(["example"]);
  });

  it("joins a paragraph's lines, making a word split by a hyphen whole and keeping real hyphens", () => {
    expect(joinLines(["a word that is split by a typesetter's exam-", "ple is joined"])).toBe("a word that is split by a typesetter's example is joined");
    expect(joinLines(["the Iran-", "Iraq war"])).toBe("the Iran- Iraq war");
    expect(joinLines(["soft\u00AD", "hyphen"])).toBe("softhyphen");
  });

  it("starts a paragraph at a wider gap, a change of size, a short line ending a sentence, or a new column", () => {
    const lines = linesOf([
      run("A full line of body text that runs to the column edge and", 50, 700, 10, 300),
      run("ends here.", 50, 688, 10, 50),
      run("A new paragraph right below the short line.", 50, 676, 10, 300),
      run("After a gap.", 50, 640, 10, 60),
      run("Big words", 50, 620, 18, 90),
      run("Second column, back at the top.", 330, 700, 10, 200),
    ]);
    expect(paragraphsOf(lines).map((p) => p.text)).toEqual([
      "A full line of body text that runs to the column edge and ends here.",
      "A new paragraph right below the short line.",
      "After a gap.",
      "Big words",
      "Second column, back at the top.",
    ]);
  });

  it("keeps a page's only paragraph, however alike the pages read", () => {
    const long = (page: number) => `Entry ${page}: a long paragraph that fills the page, alike on every page but for its numbers, ${page * 7} of them, and far longer than a running head or foot would be.`;
    const pages = [1, 2, 3].map((page) => ({ page, paragraphs: [{ text: long(page), size: 10 }] }));
    expect(blocksOf(pages).map((b) => b.text)).toEqual([long(1), long(2), long(3)]);
  });

  it("drops page numbers and running heads, and levels headings by size", () => {
    const para = (text: string, size = 10) => ({ text, size });
    const pages = [1, 2, 3].map((page) => ({
      page,
      paragraphs: [
        para("The Delta Report, 2024 edition"),
        ...(page === 1 ? [para("The Delta Report", 24)] : []),
        para(page === 2 ? "Findings" : "Part", 14),
        para(`Body text of page ${page}, long enough to be the most common size of the document.`),
        // The same sentence on every page is text, not a running head, away from the page's edges.
        para("Footnotes follow."),
        para(String(page)),
      ],
    }));
    expect(blocksOf(pages)).toEqual([
      { kind: "title", text: "The Delta Report", page: 1 },
      { kind: "heading", text: "Part", page: 1, level: 3 },
      { kind: "paragraph", text: "Body text of page 1, long enough to be the most common size of the document.", page: 1 },
      { kind: "paragraph", text: "Footnotes follow.", page: 1 },
      { kind: "heading", text: "Findings", page: 2, level: 3 },
      { kind: "paragraph", text: "Body text of page 2, long enough to be the most common size of the document.", page: 2 },
      { kind: "paragraph", text: "Footnotes follow.", page: 2 },
      { kind: "heading", text: "Part", page: 3, level: 3 },
      { kind: "paragraph", text: "Body text of page 3, long enough to be the most common size of the document.", page: 3 },
      { kind: "paragraph", text: "Footnotes follow.", page: 3 },
    ]);
  });

  it("does work linear in a page's text: it looks at each line and each run a bounded number of times", () => {
    // Counted rather than timed: what the layout reads of the lines, and how many characters its regular
    // expressions are given. Scanning every line for each, or the paragraph so far at each line, is quadratic.
    const count = 3_000;
    const lineText = "a line of a long paragraph that ends in a hyphen-";
    let reads = 0;
    const lines = new Proxy(
      Array.from({ length: count }, (_, i) => ({ text: lineText, x: 50, y: 100_000 - i * 12, right: 300, size: 10 })),
      {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver);
        },
      },
    );
    const runs = Array.from({ length: count }, (_, i) => run("word", 50 + i * 30, 700, 10, 20));
    let scanned = 0;
    const test = RegExp.prototype.test;
    const spy = vi.spyOn(RegExp.prototype, "test").mockImplementation(function (this: RegExp, text: string) {
      scanned += String(text).length;
      return test.call(this, text);
    });
    try {
      const [paragraph] = paragraphsOf(lines);
      expect(paragraph?.text).toBe(`${lineText.slice(0, -1).repeat(count)}-`);
      expect(linesOf(runs)[0]?.text).toBe(Array(count).fill("word").join(" "));
    } finally {
      spy.mockRestore();
    }
    expect(reads).toBeLessThan(count * 64);
    expect(scanned).toBeLessThan(count * (lineText.length + 4) * 8);
  });
});
