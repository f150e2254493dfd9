import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CSV_HEADER, neutralizeFormula, toCsv } from "./csv.ts";
import { exportData, factcheck, view } from "./testing.ts";

const read = (csv: string) => parse(csv, { bom: true, columns: true }) as Record<string, string>[];

describe("neutralizeFormula", () => {
  it("prefixes what a spreadsheet would evaluate, and nothing else", () => {
    for (const cell of ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]) expect(neutralizeFormula(cell)).toBe(`'${cell}`);
    for (const cell of ["plain", "1-1", " =1", "", "'quoted"]) expect(neutralizeFormula(cell)).toBe(cell);
  });
});

describe("toCsv", () => {
  it("writes a header and one row per annotation, quoting what needs it", () => {
    const annotations = [
      view({ id: "c1", body: 'Line one, with "quotes"\nline two', tags: ["a", "b c"] }),
      factcheck("false", {
        id: "f1",
        factcheck: {
          claim: "=cmd|' /C calc'!A0",
          verdict: "false",
          confidence: 0.25,
          sources: [{ url: "https://a.example", title: "A" }, { url: "https://b.example", title: "B" }],
        },
        votes: { agree: 3, disagree: 1 },
        resolved: true,
        parentId: null,
      }),
      view({ id: "r1", parentId: "f1", target: null, author: { id: "u2", name: null }, body: "Ünïcödé 東京 🚀", language: "ja" }),
    ];
    const csv = toCsv(exportData(annotations));
    expect(csv.startsWith('\uFEFF"id","article_id",')).toBe(true);
    // Every text cell is quoted: a spreadsheet reading semicolons as separators keeps "a;b c" one cell.
    expect(csv).toContain('"a;b c"');
    expect(csv).toContain("\r\n");
    const rows = read(csv);
    expect(Object.keys(rows[0]!)).toEqual(CSV_HEADER);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ id: "r1", language: "ja" });
    expect(rows[0]).toMatchObject({ id: "c1", language: "", body: 'Line one, with "quotes"\nline two', tags: "a;b c", quote: "the quoted passage", start: "10", end: "28", created: "2024-03-05T10:20:00.000Z" });
    expect(rows[1]).toMatchObject({
      claim: "'=cmd|' /C calc'!A0",
      verdict: "false",
      confidence: "0.25",
      sources: "https://a.example/ https://b.example/",
      votes_agree: "3",
      votes_disagree: "1",
      resolved: "true",
      kind: "factcheck",
    });
    expect(rows[2]).toMatchObject({ parent_id: "f1", author_name: "", quote: "", start: "", body: "Ünïcödé 東京 🚀", claim: "" });
  });

  it("keeps a field with a bare line break in one quoted cell, so no line of it starts a row of its own", () => {
    const body = "Looks fine to me\n=1+2*3\r@SUM(40+2)";
    const csv = toCsv(exportData([view({ id: "c1", body })]));
    expect(csv).toContain(`"${body}"`);
    // Split as a spreadsheet splits rows, outside quotes: the header and one row, no line of the body on its own.
    const lines = csv.replace(/"[^"]*"/g, "").split(/\r\n|\r|\n/).filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(read(csv)[0]!.body).toBe(body);
  });

  it("has an edited column with the server's edited mark, empty for an annotation never edited", () => {
    const resolvedLater = new Date("2024-03-09T08:00:00Z");
    const edited = new Date("2024-03-06T12:00:00Z");
    const rows = read(toCsv(exportData([view({ id: "plain", updatedAt: resolvedLater }), view({ id: "changed", updatedAt: resolvedLater, editedAt: edited })])));
    expect(rows.map((r) => [r.id, r.updated, r.edited])).toEqual([
      ["plain", "2024-03-09T08:00:00.000Z", ""],
      ["changed", "2024-03-09T08:00:00.000Z", "2024-03-06T12:00:00.000Z"],
    ]);
  });

  it("leaves an orphan's start and end empty: they are on the revision it was lost on", () => {
    const orphan = view({ id: "lost", anchor: { state: "orphaned", score: 0 } });
    const rows = read(toCsv(exportData([view({ id: "placed" }), orphan])));
    expect(rows.map((r) => [r.id, r.quote, r.start, r.end, r.anchor_state])).toEqual([
      ["placed", "the quoted passage", "10", "28", "anchored"],
      ["lost", "the quoted passage", "", "", "orphaned"],
    ]);
  });

  it("writes only the header for an article without annotations", () => {
    expect(read(toCsv(exportData([])))).toEqual([]);
  });
});
