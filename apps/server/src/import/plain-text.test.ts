import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importArticle } from "./index.ts";
import { blockText, expectWellFormed, textsOf } from "./testing.ts";

const SEED = readFileSync(new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url), "utf8");

describe("plain text: the seed article", () => {
  const article = importArticle({ format: "text", content: SEED });

  it("finds the byline, title and photo caption", () => {
    expect(article.title).toBe("How to counter Russia-Iran deepening ties?");
    expect(article.byline).toBe("Hamid Bahrami");
    expect(article.blocks.slice(0, 3).map((b) => b.kind)).toEqual(["byline", "title", "caption"]);
    expect(textsOf(article, "caption")).toEqual([
      "Russian President visited Iran July 2022. Photo from Iran Supreme Leader website",
    ]);
  });

  it("finds exactly the five section headings, in order", () => {
    expect(textsOf(article, "heading")).toEqual([
      "Russia-Iran threats reach unknown domains",
      "A background of Russia and Iran relations",
      "Moscow-Tehran’s attempts to challenge the West hegemony",
      "The West ambiguous approach toward Russia-Iran deepening ties",
      "Pushing Iran away from Russia",
    ]);
    expect(article.blocks.filter((b) => b.kind === "heading").every((b) => b.level === 2)).toBe(true);
  });

  it("finds the nine references", () => {
    const refs = textsOf(article, "reference");
    expect(refs).toHaveLength(9);
    expect(refs[0]).toMatch(/^Ballesteros/);
    expect(refs[8]).toMatch(/^Therme/);
  });

  it("keeps the author bio and drops the page chrome around it", () => {
    expect(textsOf(article, "bio")).toEqual([
      "Independent Middle East analyst and commentator for various media platforms.",
    ]);
    expect(article.blocks.at(-1)?.kind).toBe("bio");
    for (const chrome of ["Related Topics", "Related Posts", "About the Author"]) {
      expect(article.text).not.toContain(chrome);
    }
  });

  it("classifies the rest as paragraphs", () => {
    expect(textsOf(article, "paragraph")).toHaveLength(8);
  });

  it("tiles the text with trimmed, ordered, non-overlapping blocks", () => {
    expectWellFormed(article);
    expect(article.text.startsWith("Hamid Bahrami\n\nHow to counter")).toBe(true);
  });

  it("keeps characters exactly: the stray combining mark and the NBSPs", () => {
    expect(article.text).toContain("\u064F");
    expect(article.text).toContain(" \u064FThe West should raise the alarm");
    // No Unicode normalization or quote straightening: every block is verbatim source text.
    for (const block of article.blocks) expect(SEED).toContain(blockText(article, block));
    const refs = textsOf(article, "reference");
    expect(refs[0]).toContain("\u00A0");
    // The NBSPs trailing each paragraph in the file sit at block ends and are trimmed away.
    expect(textsOf(article, "paragraph").every((p) => !p.endsWith("\u00A0"))).toBe(true);
  });

  it("reads CRLF and CR line endings the same as LF", () => {
    expect(importArticle({ format: "text", content: SEED.replace(/\n/g, "\r\n") })).toEqual(article);
    expect(importArticle({ format: "text", content: SEED.replace(/\n/g, "\r") })).toEqual(article);
  });

  it("lets an explicit title and byline win without rewriting the text", () => {
    const named = importArticle({ format: "text", content: SEED, title: "Russia and Iran", byline: "H. Bahrami" });
    expect(named.title).toBe("Russia and Iran");
    expect(named.byline).toBe("H. Bahrami");
    expect(named.text).toBe(article.text);
    expect(importArticle({ format: "text", content: SEED, byline: null }).byline).toBeNull();
  });
});

describe("plain text: other layouts", () => {
  it("counts offsets in code points, not UTF-16 units", () => {
    const content = "Emoji 🎉 headline\n\nA first paragraph that follows the 🚀 title and says something.\n\nA 𝒳 second paragraph.";
    const article = importArticle({ format: "text", content });
    expectWellFormed(article);
    const [title, first, second] = article.blocks;
    expect(title).toMatchObject({ kind: "title", start: 0, end: 16 });
    expect(first?.start).toBe(18);
    expect(blockText(article, second!)).toBe("A 𝒳 second paragraph.");
    // In UTF-16 units the second paragraph starts two units later (two astral characters before it).
    expect(article.text.indexOf("A 𝒳 second")).toBe(second!.start + 2);
  });

  it("takes a long first line as the start of the body, not a byline or title", () => {
    const content =
      "This article starts straight away with a full sentence. It has no title of its own at all.\n\nSecond paragraph.";
    const article = importArticle({ format: "text", content });
    expect(article.blocks.map((b) => b.kind)).toEqual(["paragraph", "paragraph"]);
    expect(article.byline).toBeNull();
    expect(article.title).toBe("This article starts straight away with a full sentence. It has no title of its…");
  });

  it("tells a Title Case title from a name by which one is shorter", () => {
    const body = "Rivers flood when more water arrives than their channels can carry, and that happens often.";
    const under = importArticle({ format: "text", content: `Climate Change Is Real\n\nJane Doe\n\n${body}` });
    expect(under).toMatchObject({ title: "Climate Change Is Real", byline: "Jane Doe" });
    expect(under.blocks.map((b) => b.kind)).toEqual(["title", "byline", "paragraph"]);
    const over = importArticle({ format: "text", content: `Jane Doe\n\nClimate Change Is Real Again\n\n${body}` });
    expect(over).toMatchObject({ title: "Climate Change Is Real Again", byline: "Jane Doe" });
    const untitled = importArticle({ format: "text", content: `Why rivers flood\n\n${body}` });
    expect(untitled).toMatchObject({ title: "Why rivers flood", byline: null });
    expect(untitled.blocks.map((b) => b.kind)).toEqual(["title", "paragraph"]);
  });

  it("reads a 'By' line under the title, bullets, wrapped prose and a References heading", () => {
    const content = [
      "Why Rivers Flood",
      "By Jane Doe",
      "Rivers flood when more water arrives than their channels can carry, and\nthat happens more often than most people who live near them would like to\nthink.",
      "Causes",
      "- heavy rain\n- snow melt",
      "References",
      "Doe, J. (2020) Floods.",
      "Share this",
    ].join("\n\n");
    const article = importArticle({ format: "text", content });
    expectWellFormed(article);
    expect(article.byline).toBe("Jane Doe");
    expect(article.blocks.map((b) => b.kind)).toEqual([
      "title", "byline", "paragraph", "heading", "list-item", "list-item", "heading", "reference",
    ]);
    expect(textsOf(article, "paragraph")[0]).toMatch(/channels can carry, and that happens/);
    expect(textsOf(article, "list-item")).toEqual(["heavy rain", "snow melt"]);
    expect(article.text).not.toContain("Share this");
  });
});
