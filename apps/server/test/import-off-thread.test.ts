import { describe, expect, it } from "vitest";
import { importArticle } from "../src/import/index.ts";
import { importOffThread } from "../src/import/off-thread.ts";
import { PackedBlocks } from "../src/import/packed-blocks.ts";
import { refusal } from "./support/refusal.ts";

/**
 * Text, Markdown and HTML are read on worker threads (import/off-thread.ts):
 * the same article as read in place, the same refusals, and a page that
 * takes too long is stopped and refused while the event loop goes on.
 */
const ARTICLE = `<html><head><title>Water</title><meta name="author" content="L. Farahani"></head><body><article>
<h1>Dam levels fall for a third year</h1>
${Array.from({ length: 40 }, (_, i) => `<p>Paragraph ${i}: reservoirs held less water this autumn than in any year since records began.</p>`).join("\n")}
</article></body></html>`;

/** Nested deeper than the readers can take in reasonable time. */
const HOSTILE = `<html><body>${"<div>".repeat(50_000)}text${"</div>".repeat(50_000)}</body></html>`;

describe("importing off the event loop", () => {
  it("reads an article as the reader does in place", async () => {
    for (const input of [
      { format: "html" as const, content: ARTICLE },
      { format: "markdown" as const, content: "# A title\n\nA paragraph with *emphasis*.\n\n## A section\n\nMore text." },
      { format: "text" as const, content: "A title\n\nA first paragraph.\n\nA second one.", title: "Given title" },
    ]) {
      const read = await importOffThread(input);
      expect({ ...read, blocks: read.blocks.slice() }).toEqual(importArticle(input));
    }
  });

  it("sends many blocks packed, read back a slice at a time, not as objects cloned on the event loop", async () => {
    const content = Array.from({ length: 50_000 }, (_, i) => `P${i}.`).join("\n\n");
    const read = await importOffThread({ format: "text", content, title: "Many" });
    expect(read.blocks).toBeInstanceOf(PackedBlocks);
    expect(read.blocks.length).toBe(50_000);
    expect(read.blocks.slice()).toEqual(importArticle({ format: "text", content, title: "Many" }).blocks);
    expect(read.blocks.slice(-1)).toEqual([{ kind: "paragraph", start: content.length - 7, end: content.length }]);
  });

  it("refuses what the reader refuses, with the same code and field", async () => {
    const err = await refusal(importOffThread({ format: "html", content: "<html><body><nav>Home</nav></body></html>" }));
    expect([err.code, err.field]).toEqual(["validation_failed", "content"]);
  });

  it("stops a page that takes too long, while timers and sockets go on, and reads the next one on a new thread", async () => {
    let settled = false;
    const hostile = importOffThread({ format: "html", content: HOSTILE }, { timeoutMs: 1_000, maxHeapMb: 256 }).finally(() => (settled = true));
    // A timer due well before the limit fires while the page is still being read: the event loop is free.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    const err = await refusal(hostile);
    expect([err.code, err.status, err.field]).toEqual(["source_unreadable", 422, "content"]);
    expect(err.message).toMatch(/not read within 1 s/);
    expect((await importOffThread({ format: "html", content: ARTICLE })).title).toBe("Dam levels fall for a third year");
  });
});
