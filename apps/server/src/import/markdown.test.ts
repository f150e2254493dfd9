import { describe, expect, it } from "vitest";
import { importArticle } from "./index.ts";
import { expectWellFormed, textsOf } from "./testing.ts";

const ARTICLE = `# Rivers in *Flood*

By **Jane Doe**

![A swollen river at dusk](river.jpg)

Rivers flood when more water arrives than their
channels can carry, as [the survey](https://example.org) shows with \`gauge\` data.

## Causes

- heavy **rain**
- snow melt
  over weeks

> Water always finds
> a way.

### Local effects 🌊

1. Roads close
2. Fields drown

# Appendix

A later h1 is only a section.

## References

- Doe, J. (2020) *Floods*.
- Roe, R. (2021) Rivers.

## After the references

Back to normal paragraphs.
`;

describe("markdown", () => {
  const article = importArticle({ format: "markdown", content: ARTICLE });

  it("takes the first h1 as the title and a 'By' paragraph under it as the byline", () => {
    expect(article.title).toBe("Rivers in Flood");
    expect(article.byline).toBe("Jane Doe");
    expect(article.blocks.slice(0, 3).map((b) => b.kind)).toEqual(["title", "byline", "caption"]);
    expect(textsOf(article, "caption")).toEqual(["A swollen river at dusk"]);
  });

  it("keeps heading levels; later h1s are level-1 headings", () => {
    const headings = article.blocks.filter((b) => b.kind === "heading").map((b) => b.level);
    expect(textsOf(article, "heading")).toEqual([
      "Causes", "Local effects 🌊", "Appendix", "References", "After the references",
    ]);
    expect(headings).toEqual([2, 3, 1, 2, 2]);
  });

  it("strips inline markup and reflows soft line breaks", () => {
    expect(textsOf(article, "paragraph")).toEqual([
      "Rivers flood when more water arrives than their channels can carry, as the survey shows with gauge data.",
      "A later h1 is only a section.",
      "Back to normal paragraphs.",
    ]);
    expect(article.text).not.toMatch(/[*`#>[\]]|https:/);
  });

  it("reads list items and block quotes", () => {
    expect(textsOf(article, "list-item")).toEqual(["heavy rain", "snow melt over weeks", "Roads close", "Fields drown"]);
    expect(textsOf(article, "quote")).toEqual(["Water always finds a way."]);
  });

  it("turns everything under a References heading into references, until the next section", () => {
    expect(textsOf(article, "reference")).toEqual(["Doe, J. (2020) Floods.", "Roe, R. (2021) Rivers."]);
  });

  it("produces well-formed code-point offsets", () => {
    expectWellFormed(article);
  });

  it("reads CRLF the same as LF", () => {
    expect(importArticle({ format: "markdown", content: ARTICLE.replace(/\n/g, "\r\n") })).toEqual(article);
  });

  it("falls back to the first heading for the title when there is no h1", () => {
    const untitled = importArticle({ format: "markdown", content: "## Only a section\n\nSome text." });
    expect(untitled.title).toBe("Only a section");
    expect(untitled.blocks.map((b) => b.kind)).toEqual(["heading", "paragraph"]);
  });
});

describe("markdown: what the page does not show", () => {
  const read = (content: string) => importArticle({ format: "markdown", content });

  it("drops HTML comments, as the HTML import does, and keeps other markup as typed", () => {
    const article = read("# Story\n\n<!-- editor: do not publish this note -->\n\nA claim<!-- inline note --> stands.\n\n<!--\nmulti-line\nnote\n-->\nAfter it.\n\nKeep <b>this</b> and a <div> as typed.\n\n```\n<!-- code keeps it -->\n```\n");
    expect(article.text).not.toContain("do not publish");
    expect(article.text).not.toContain("inline note");
    expect(article.text).not.toContain("multi-line");
    expect(textsOf(article, "paragraph")).toEqual(["A claim stands.", "After it.", "Keep <b>this</b> and a <div> as typed.", "<!-- code keeps it -->"]);
    expectWellFormed(article);
  });

  it("keeps an image alone in its paragraph as a caption, and leaves an inline image out, as the HTML import does", () => {
    const article = read("# Story\n\n![A river at dusk](river.jpg)\n\nText with an inline ![chart of prices](c.png) image.\n");
    expect(textsOf(article, "caption")).toEqual(["A river at dusk"]);
    const html = importArticle({ format: "html", content: "<article><h1>Story</h1><p>Text with an inline <img src=c.png alt='chart of prices'> image.</p></article>" });
    expect(textsOf(article, "paragraph")).toEqual(textsOf(html, "paragraph"));
    expect(article.text).not.toContain("chart of prices");
  });
});

describe("titles and bylines in the text", () => {
  it.each([
    ["html", "<html><head><title>Prices \u202Edrop</title></head><body><article><h1>Prices \u202Edrop</h1><p>By \u2067Jane Doe</p><p>Body text here.</p></article></body></html>"],
    ["markdown", "# Prices \u202Edrop\n\nBy \u2067Jane Doe\n\nBody text here.\n"],
    ["text", "Prices \u202Edrop\n\nBy \u2067Jane Doe\n\nBody text here.\n"],
  ] as const)("%s: the title block reads as the article's title, without the controls a title may not hold", (format, content) => {
    const article = importArticle({ format, content });
    expect(textsOf(article, "title")).toEqual([article.title]);
    expect(article.title).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(article.text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expectWellFormed(article);
  });
});
