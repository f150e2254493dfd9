import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { blockquote, escapeInline, escapeMarkdown, link, listItem, safeUrl } from "./markdown-text.ts";

// Raw HTML on and every scheme allowed: the escapes must hold even in the most permissive renderer.
const renderer = new MarkdownIt({ html: true });
renderer.validateLink = () => true;
const render = (md: string) => renderer.render(md);

describe("escapeMarkdown", () => {
  it("keeps headings, lists, quotes, rules and code blocks from forming", () => {
    const hostile = ["# Title", "> quoted", "- item", "+ item", "1. first", "2) second", "---", "===", "    code", "***"].join("\n\n");
    const html = render(escapeMarkdown(hostile));
    expect(html).not.toMatch(/<(h\d|blockquote|ul|ol|li|hr|pre|code|em|strong)\b/);
    expect(html).toContain("# Title");
    expect(html).toContain("1. first");
  });

  it("keeps links, images, autolinks and raw HTML as text", () => {
    const hostile = "[x](javascript:alert(1)) ![i](http://e/x.png) <javascript:alert(1)> <img src=x onerror=alert(1)> &#106;";
    const html = render(escapeMarkdown(hostile));
    expect(html).not.toMatch(/<a |<img/);
    expect(html).toContain("[x](javascript:alert(1))");
    expect(html).toContain("&amp;#106;");
  });

  it("leaves ordinary prose readable", () => {
    expect(escapeMarkdown("Russia-Iran ties grew 12.5% in 2022 (per Reuters).")).toBe("Russia-Iran ties grew 12.5% in 2022 (per Reuters).");
    expect(render(escapeMarkdown("a *b* _c_ `d` ~e~ | f"))).toBe("<p>a *b* _c_ `d` ~e~ | f</p>\n");
    expect(escapeMarkdown("Ünïcödé 東京 🚀")).toBe("Ünïcödé 東京 🚀");
  });

  it("escapeInline folds newlines so a heading cannot be broken out of", () => {
    expect(escapeInline("Claim\n# Injected")).toBe("Claim \\# Injected");
    expect(render(`### ${escapeInline("Claim\n\n# Injected")}`)).toBe("<h3>Claim # Injected</h3>\n");
  });
});

describe("links and blocks", () => {
  it("links only http(s) URLs, with destinations that cannot be closed early", () => {
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("data:text/html,hi")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
    expect(safeUrl("https://example.org/a b)(c")).toBe("https://example.org/a%20b%29%28c");
    expect(link("Report", "https://example.org/x")).toBe("[Report](https://example.org/x)");
    expect(link("[evil]", "javascript:alert(1)")).toBe("\\[evil\\]");
    expect(render(link("a](javascript:x)", "https://example.org/(y)"))).toContain('href="https://example.org/%28y%29"');
  });

  it("blockquote and listItem keep every line of multi-line text inside", () => {
    expect(blockquote("one\n\n# two")).toBe("> one\n>\n> \\# two");
    expect(render(blockquote("one\n\ntwo")).match(/<blockquote>/g)).toHaveLength(1);
    const html = render([listItem("first\n\nsecond"), listItem("third")].join("\n"));
    expect(html.match(/<li>/g)).toHaveLength(2);
    expect(html).toContain("second");
  });
});
