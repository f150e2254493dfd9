import { describe, expect, it } from "vitest";
import { colorForUser, initials, safeColor } from "./colors.ts";
import { linkify } from "./linkify.ts";
import { safeHref } from "./safe-url.ts";

describe("safeHref", () => {
  it("keeps absolute http and https URLs", () => {
    expect(safeHref("https://example.org/a?b=1#c")).toBe("https://example.org/a?b=1#c");
    expect(safeHref("  HTTP://Example.org ")).toBe("http://example.org/");
  });

  it.each(["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>", "vbscript:x", "//evil.example", "/relative", "ftp://x.org", "http:/x", "https://", ""])(
    "refuses %j",
    (value) => expect(safeHref(value)).toBeNull(),
  );
});

describe("linkify", () => {
  it("turns http(s) URLs into links and leaves everything else as text", () => {
    expect(linkify("see https://example.org/x, and javascript:alert(1)")).toEqual([
      { text: "see " },
      { text: "https://example.org/x", href: "https://example.org/x" },
      { text: ", and javascript:alert(1)" },
    ]);
  });

  it("keeps markup as plain text", () => {
    const text = `<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>`;
    expect(linkify(text)).toEqual([{ text }]);
  });

  it("drops sentence punctuation but keeps a parenthesis the URL opened", () => {
    expect(linkify("(see https://en.wikipedia.org/wiki/Foo_(bar))").map((s) => s.href).filter(Boolean)).toEqual([
      "https://en.wikipedia.org/wiki/Foo_(bar)",
    ]);
    expect(linkify("Read https://example.org/a.").at(1)).toEqual({ text: "https://example.org/a", href: "https://example.org/a" });
  });

  it("does not link a URL that stops at a quote meant to break out of an attribute", () => {
    const segments = linkify(`https://example.org/"onmouseover="alert(1)`);
    expect(segments[0]).toEqual({ text: "https://example.org/", href: "https://example.org/" });
    expect(segments.slice(1).every((s) => !s.href)).toBe(true);
  });
});

describe("colours", () => {
  it("computes the server's presence colour", () => {
    expect(colorForUser("a001ef71-f73b-4c2e-bb3b-be6bbda6b8c5")).toMatch(/^hsl\(\d+ 65% 42%\)$/);
  });

  it("lets only plain colours into a stylesheet", () => {
    expect(safeColor("hsl(200 65% 42%)")).toBe("hsl(200 65% 42%)");
    expect(safeColor("#a1b2c3")).toBe("#a1b2c3");
    expect(safeColor("red;} body{display:none")).toBe("#6b7280");
    expect(safeColor("url(https://x)")).toBe("#6b7280");
    expect(safeColor(42)).toBe("#6b7280");
  });

  it("gives a source's URL in the form the server stores, which a live write must send", () => {
    expect(safeHref("https://example.org/a|b c")).toBe("https://example.org/a%7Cb%20c");
    expect(safeHref("https://例え.jp/%zz")).toBe("https://xn--r8jz45g.jp/%25zz");
  });

  it("makes initials from names", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("plato")).toBe("P");
    expect(initials("Émile Zola-Smith Jr")).toBe("ÉJ");
    expect(initials("  ")).toBe("?");
  });
});
