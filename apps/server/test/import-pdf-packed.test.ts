import { describe, expect, it } from "vitest";
import { PDF_LIMITS, importPdf, readOnWorker } from "../src/import/pdf.ts";
import { makePdf } from "./support/pdf.ts";

/**
 * The PDF thread sends its blocks packed (typed arrays and one string, handed over, not rebuilt object by
 * object on the event loop), and the article made from them is the one its blocks describe.
 */
describe("a PDF's blocks from its thread", () => {
  const pages = async () =>
    makePdf([
      [[{ text: "Annual water report", size: 24 }], [{ text: "Reservoirs", size: 16 }], ["Levels fell for a third year."], ["Rain came late."]],
      [[{ text: "Outlook", size: 16 }], ["Engineers expect a wet spring."]],
    ]);

  it("arrive packed", async () => {
    const result = await readOnWorker(await pages(), PDF_LIMITS);
    if (!result.ok) throw new Error(`not read: ${result.reason}`);
    expect(result.blocks.kinds).toBeInstanceOf(Uint8Array);
    expect(result.blocks.lengths).toBeInstanceOf(Int32Array);
    expect(result.blocks.kinds.length).toBe(6);
  });

  it("make the article, with each block's kind, level, page and text", async () => {
    const article = await importPdf(await pages(), {}, "file");
    const texts = article.blocks.map((b) => [b.kind, b.level, b.page, [...article.text].slice(b.start, b.end).join("")]);
    expect(texts).toEqual([
      ["title", undefined, 1, "Annual water report"],
      ["heading", 3, 1, "Reservoirs"],
      ["paragraph", undefined, 1, "Levels fell for a third year."],
      ["paragraph", undefined, 1, "Rain came late."],
      ["heading", 3, 2, "Outlook"],
      ["paragraph", undefined, 2, "Engineers expect a wet spring."],
    ]);
    expect(article.title).toBe("Annual water report");
  });
});
