import { describe, expect, it } from "vitest";
import { EXPORT_FORMATS } from "./formats.ts";
import { exportData, factcheck, view } from "./testing.ts";
import { renderExport } from "./render.ts";
import { exportThread, renderOffThread } from "./render-thread.ts";

/**
 * Exports are written on a thread of their own (render-thread.ts), their
 * annotations handed over in parts: the file must be the one the event loop
 * would have written, byte for byte, whatever the format.
 */
describe("an export written off the event loop", () => {
  it("is the file the event loop writes, in every format, across many parts and articles", async () => {
    const annotations = Array.from({ length: 1_200 }, (_, i) =>
      i % 4 === 0
        ? factcheck("false", { id: `f${i}`, body: `fact-check ${i} — “quoted” ✓` })
        : view({ id: `c${i}`, body: `comment ${i}, with a newline\nand a | pipe`, parentId: i % 8 === 1 ? `f${i - 1}` : null }),
    );
    const one = exportData(annotations);
    const group = {
      ...one,
      scope: "group" as const,
      articles: [
        { ...one.articles[0]!, annotations: annotations.slice(0, 700) },
        { ...one.articles[0]!, id: "art-2", title: "An empty one", annotations: [] },
        { ...one.articles[0]!, id: "art-3", title: "Another", annotations: annotations.slice(700) },
      ],
    };
    for (const data of [one, group]) {
      for (const format of EXPORT_FORMATS) {
        const bytes = await renderOffThread(format, data, "https://marginalia.example");
        expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes), `${data.scope} ${format}`).toBe(renderExport(format, data, "https://marginalia.example"));
      }
    }
    expect(exportThread.where).toBe("thread");
  });
});
