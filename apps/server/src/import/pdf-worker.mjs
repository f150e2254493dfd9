// One PDF's text, read on a thread of its own (pdf.ts starts one per import):
// pdf.js parses fonts and content streams for as long as a document asks, so
// on the event loop a long PDF would stall every socket of the process. Plain
// JavaScript, so that it starts without a TypeScript loader, from src/ and
// from the compiled build alike. See docs/architecture.md, "Importing".
import "../threads/background-thread.mjs";
import { createRequire } from "node:module";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { blocksOf, linesOf, packBlocks, paragraphsOf } from "./pdf-layout.mjs";
import { capArrayBuffers } from "./pdf-memory.mjs";

// pdf.js reads the fonts every PDF may use without embedding them, and the
// character maps of CJK fonts, from its own package, as files.
const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));

const overBudget = { ok: false, reason: "too-much-memory" };

/** @returns {Promise<import("./pdf-layout.d.mts").PdfResult>} */
async function read({ bytes, maxPages, maxTextBytes }, memory) {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  let pdf;
  try {
    pdf = await pdfjs.getDocument({
      data: bytes,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
      standardFontDataUrl: `${path.join(PDFJS_DIR, "standard_fonts")}/`,
      cMapUrl: `${path.join(PDFJS_DIR, "cmaps")}/`,
      cMapPacked: true,
    }).promise;
  } catch (err) {
    if (err?.name === "PasswordException") return { ok: false, reason: "encrypted" };
    return { ok: false, reason: "unreadable", detail: err?.message };
  }
  try {
    if (pdf.numPages > maxPages) return { ok: false, reason: "too-long", pages: pdf.numPages };
    const pages = [];
    // Counted as the pages are read, so that a small file drawing its text over and over stops here, not
    // after its whole text has been laid out and copied to the server's thread (pdf.ts checks it exactly).
    let textBytes = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      if (memory.exceeded()) return overBudget;
      const paragraphs = paragraphsOf(linesOf(content.items));
      for (const p of paragraphs) textBytes += Buffer.byteLength(p.text) + 2;
      if (textBytes > maxTextBytes) return { ok: false, reason: "too-much-text" };
      pages.push({ page: n, paragraphs });
      page.cleanup();
    }
    if (!pages.some((p) => p.paragraphs.length > 0)) return { ok: false, reason: "no-text", pages: pdf.numPages };
    const { info } = await pdf.getMetadata().catch(() => ({ info: {} }));
    const text = (value) => (typeof value === "string" && value.trim() ? value.trim() : null);
    return { ok: true, pages: pdf.numPages, title: text(info?.Title), author: text(info?.Author), blocks: packBlocks(blocksOf(pages)) };
  } finally {
    await pdf.destroy();
  }
}

// Said as soon as the budget is passed, even while pdf.js goes on (it may catch the refusal and read
// on): pdf.ts then ends the thread, and with it every buffer it holds.
const memory = capArrayBuffers(workerData.maxMemoryMb * 2 ** 20, () => parentPort.postMessage(overBudget));

read(workerData, memory).then(
  (result) => {
    if (memory.exceeded()) return parentPort.postMessage(overBudget);
    const { kinds, levels, pages, lengths } = result.ok ? result.blocks : {};
    parentPort.postMessage(result, result.ok ? [kinds.buffer, levels.buffer, pages.buffer, lengths.buffer] : []);
  },
  (err) => parentPort.postMessage(memory.exceeded() ? overBudget : { ok: false, reason: "unreadable", detail: err?.message || String(err) }),
);
