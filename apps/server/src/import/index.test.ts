import type { ArticleFormat } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { importArticle } from "./index.ts";
import { blockText, expectWellFormed } from "./testing.ts";

function rejection(format: ArticleFormat, content: string): ApiError {
  try {
    importArticle({ format, content });
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`expected ${format} content ${JSON.stringify(content)} to be rejected`);
}

describe("importArticle", () => {
  it.each<[ArticleFormat, string]>([
    ["text", ""],
    ["text", " \n\t\r\n \u00A0 "],
    ["text", "Related Posts\nShare this"],
    ["markdown", ""],
    ["markdown", "\n\n   \n"],
    ["markdown", "---\n\n***\n\n![](photo.jpg)"],
    ["html", ""],
    ["html", "<html><body></body></html>"],
    ["html", "<html><head><title>Only a title</title></head><body><script>alert(1)</script></body></html>"],
    ["html", "<div><style>p { color: red }</style><img src=x onerror=alert(1)><p> \u00A0 </p></div>"],
  ])("rejects unusable %s content %j as validation_failed on the content field", (format, content) => {
    const error = rejection(format, content);
    expect(error.code).toBe("validation_failed");
    expect(error.field).toBe("content");
    expect(error.status).toBe(400);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it("counts offsets in code points in every format", () => {
    const inputs: [ArticleFormat, string][] = [
      ["text", "😀 Title\n\n𝄞 music paragraph.\n\nAfter."],
      ["markdown", "# 😀 Title\n\n𝄞 music paragraph.\n\nAfter."],
      ["html", "<h1>😀 Title</h1><p>𝄞 music paragraph.</p><p>After.</p>"],
    ];
    for (const [format, content] of inputs) {
      const article = importArticle({ format, content });
      expectWellFormed(article);
      const last = article.blocks.at(-1)!;
      expect(blockText(article, last)).toBe("After.");
      // Two astral characters precede it: UTF-16 would put it two units further on.
      expect(last.start).toBe(article.text.length - "After.".length - 2);
    }
  });

  it("falls back to the start of the first paragraph for the title", () => {
    const content = `${"word ".repeat(40)}ends here.`;
    const article = importArticle({ format: "markdown", content });
    expect(article.title.endsWith("…")).toBe(true);
    expect(Array.from(article.title).length).toBeLessThanOrEqual(81);
    expect(article.title.startsWith("word word")).toBe(true);
  });

  it("reads windows-1252 as the WHATWG Encoding Standard does: its five unassigned bytes are C1 controls, never U+FFFD", () => {
    const bytes = Uint8Array.from([...Buffer.from("Caf", "latin1"), 0xe9, 0x20, 0x93, 0x81, 0x8d, 0x8f, 0x90, 0x9d, 0x94, 0x20, 0x80, 0x2e]);
    for (const lenient of [false, true]) {
      const article = importArticle({ format: "text", content: bytes, charset: "windows-1252", lenient });
      expect(article.text).toBe("Café “\u0081\u008d\u008f\u0090\u009d” €.");
    }
  });

  it("trims a given title and byline, and treats an empty byline as none", () => {
    const article = importArticle({ format: "text", content: "Just one paragraph.", title: "  Given  ", byline: " " });
    expect(article).toMatchObject({ title: "Given", byline: null, text: "Just one paragraph." });
    expect(article.blocks).toEqual([{ kind: "paragraph", start: 0, end: 19 }]);
  });
});
