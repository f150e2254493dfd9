import { describe, expect, it } from "vitest";
import { contentDisposition, exportNames } from "./disposition.ts";

/** The real name as a client reading `filename*` gets it back. */
const decoded = (header: string) => decodeURIComponent(/filename\*=UTF-8''([^;]+)$/.exec(header)![1]!);

describe("an export's file names", () => {
  it("sends a non-Latin or punctuation-only name as itself beside an ASCII fallback", () => {
    for (const [name, scope, ascii] of [
      ["Новости дня", "group", "group"],
      ["新闻 (草稿)", "article", "article"],
      ["!!! ???", "article", "article"],
      ["Café Desk", "group", "cafe-desk"],
    ] as const) {
      const names = exportNames(name, scope, "2026-12-07", "csv");
      expect(names.filename).toBe(`${ascii}-2026-12-07.csv`);
      const header = contentDisposition(names);
      expect(header).toMatch(/^attachment; filename="[a-z0-9-]+-2026-12-07\.csv"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
      expect(decoded(header)).toBe(name === "!!! ???" ? "!!!-2026-12-07.csv" : `${name}-2026-12-07.csv`);
    }
  });

  it("keeps the real name to one line, without path separators, controls or bidi overrides", () => {
    const names = exportNames("../etc/passwd\r\nSet-Cookie: a=b \u202Egpj.exe", "article", "2026-12-07", "md");
    expect(names.utf8Name).toBe(".. etc passwd Set-Cookie a=b gpj.exe-2026-12-07.md");
    expect(contentDisposition(names)).toMatch(/^attachment; filename="[a-z0-9-]+\.md"; filename\*=UTF-8''[^\s";\\]+$/);
  });
});
