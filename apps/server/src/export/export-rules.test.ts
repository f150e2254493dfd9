import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { closeBidi } from "./bidi.ts";
import { renderExport } from "./render.ts";
import { exportData, factcheck, view } from "./testing.ts";

const BASE = "https://marginalia.example";
const STALE = { judgedRevision: 1, revision: 2, oldQuote: "ten percent", newQuote: "two percent" };

/** A fact-check a correction made stale, a verdict reply given on the old text, and a fresh fact-check. */
function staleThread() {
  return exportData([
    factcheck("false", { id: "fc-stale", stale: true, staleness: STALE }),
    factcheck("mostly-false", { id: "reply-verdict", parentId: "fc-stale", kind: "comment" }),
    view({ id: "reply-plain", parentId: "fc-stale", body: "second opinion" }),
    factcheck("true", { id: "fc-fresh" }),
    view({ id: "reply-fresh", parentId: "fc-fresh", body: "agreed" }),
  ]);
}

const w3cItems = (text: string) => (JSON.parse(text).first?.items ?? []) as Array<Record<string, unknown>>;
const graph = (text: string) => JSON.parse(text)["@graph"] as Array<Record<string, any>>;

describe("exports leave out no parent whose replies they keep", () => {
  it("W3C leaves out the replies of a stale fact-check with it, and keeps a fresh thread whole", () => {
    const items = w3cItems(renderExport("w3c", staleThread(), BASE));
    expect(items.map((i) => String(i.id).split("/").pop())).toEqual(["fc-fresh", "reply-fresh"]);
    const ids = new Set(items.map((i) => i.id));
    // Every annotation an item targets is in the file.
    for (const item of items) {
      for (const target of [item.target].flat()) if (typeof target === "string" && target.includes("/annotations/")) expect(ids).toContain(target);
    }
  });

  it("W3C leaves out a reply whose parent the member cannot see", () => {
    const data = exportData([view({ id: "orphan-reply", parentId: "not-visible", body: "re" }), view({ id: "c1" })]);
    expect(w3cItems(renderExport("w3c", data, BASE)).map((i) => String(i.id).split("/").pop())).toEqual(["c1"]);
  });

  it("ClaimReview reviews neither the stale fact-check nor a verdict given in its thread", () => {
    const reviewed = graph(renderExport("claimreview", staleThread(), BASE)).map((r) => String(r.url).split("annotation=").pop());
    expect(reviewed).toEqual(["fc-fresh"]);
  });

  it("CSV and Markdown keep the stale fact-check, marked, with its replies under it", () => {
    const rows = parse(renderExport("csv", staleThread(), BASE), { bom: true, columns: true }) as Record<string, string>[];
    const ids = new Set(rows.map((r) => r.id));
    for (const row of rows) if (row.parent_id) expect(ids).toContain(row.parent_id);
    expect(rows.find((r) => r.id === "fc-stale")?.stale).toBe("true");
    const md = renderExport("markdown", staleThread(), BASE);
    expect(md).toContain("stale since revision 2");
    expect(md).toContain("second opinion");
  });
});

describe("closeBidi", () => {
  it("closes embeddings, overrides and isolates left open, at the end of each line", () => {
    expect(closeBidi("\u202Egnp.exe")).toBe("\u202Egnp.exe\u202C");
    expect(closeBidi("a\u2067b\u202Bc\nd")).toBe("a\u2067b\u202Bc\u202C\u2069\nd");
    expect(closeBidi("\u2066x\u202Ay\u2069z")).toBe("\u2066x\u202Ay\u2069z");
  });

  it("leaves balanced controls, stray closers and right-to-left letters as they are", () => {
    for (const text of ["\u202Bعربي\u202C", "\u2067فارسی\u2069 and English", "نرخ تورم ۴۰ درصد است", "\u202C\u2069 stray", "plain", ""]) {
      expect(closeBidi(text)).toBe(text);
    }
  });
});

describe("user text in exports cannot reverse what follows it", () => {
  const claim = "\u202Egnp.exe";
  const data = () =>
    exportData(
      [factcheck("false", { body: "see \u2067note", factcheck: { claim, verdict: "false", confidence: null, sources: [] } }), view({ id: "r1", parentId: "a1", body: "\u202Dreply" })],
      { byline: "By \u202Bsomeone" },
    );
  const opens = (text: string) => (text.match(/[\u202A\u202B\u202D\u202E\u2066-\u2068]/g) ?? []).length;
  const closes = (text: string) => (text.match(/[\u202C\u2069]/g) ?? []).length;

  it("Markdown closes every control on the line it opens on", () => {
    const md = renderExport("markdown", data(), BASE);
    expect(md).toContain("gnp.exe");
    for (const line of md.split("\n")) expect(closes(line)).toBeGreaterThanOrEqual(opens(line));
  });

  it("CSV closes every control in its cell", () => {
    const rows = parse(renderExport("csv", data(), BASE), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows[0]!.claim).toBe("\u202Egnp.exe\u202C");
    for (const row of rows) for (const cell of Object.values(row)) expect(closes(cell)).toBeGreaterThanOrEqual(opens(cell));
  });

  it("ClaimReview closes every control in its fields", () => {
    const [review] = graph(renderExport("claimreview", data(), BASE));
    expect(review!.claimReviewed).toBe("\u202Egnp.exe\u202C");
    expect(review!.reviewBody).toBe("see \u2067note\u2069");
  });
});

describe("source URLs in exports", () => {
  const sourceUrl = "https://news.example/story?x=<b>&y=a b#old";

  it("ClaimReview serialises the appearance's URL as WHATWG URL does", () => {
    const [review] = graph(renderExport("claimreview", exportData([factcheck("false")], { sourceUrl }), BASE));
    const url = review!.itemReviewed.appearance.url as string;
    expect(url).toBe("https://news.example/story?x=%3Cb%3E&y=a%20b#:~:text=the%20quoted%20passage");
    expect(new URL(url).href).toBe(url);
  });

  it("ClaimReview and W3C serialise a fact-check's source URLs", () => {
    const sources = [{ url: "https://src.example/a?q=<i>", title: "S" }];
    const data = exportData([factcheck("false", { factcheck: { claim: "c", verdict: "false", confidence: null, sources } })]);
    expect(graph(renderExport("claimreview", data, BASE))[0]!.citation[0].url).toBe("https://src.example/a?q=%3Ci%3E");
    expect((w3cItems(renderExport("w3c", data, BASE))[0]!["mg:sources"] as Array<{ id: string }>)[0]!.id).toBe("https://src.example/a?q=%3Ci%3E");
  });
});
