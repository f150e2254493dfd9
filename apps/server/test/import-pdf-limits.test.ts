import { createDeflate } from "node:zlib";
import { describe, expect, it } from "vitest";
import { PDF_LIMITS, importPdf } from "../src/import/pdf.ts";
import { importOffThread } from "../src/import/off-thread.ts";
import { MAX_ARTICLE_BYTES } from "../src/storable-text.ts";
import { makePdf } from "./support/pdf.ts";
import { refusal } from "./support/refusal.ts";

/**
 * What one PDF may take: memory outside the thread's heap (a stream that
 * inflates to far more than the file), and text (a small file that draws
 * its text over and over), each refused with a 4xx; and a NUL pdf.js finds
 * in the text layer, stored as U+FFFD rather than failing the database.
 */

/** `content` deflated as it is made, so that a bomb costs this test its compressed size, not its inflated one. */
async function deflated(content: Iterable<Buffer>): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve, reject) => deflate.on("end", resolve).on("error", reject));
  for (const chunk of content) if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once("drain", resolve));
  deflate.end();
  await ended;
  return Buffer.concat(out);
}

/**
 * A PDF of `pages` pages that all draw one content stream, in Helvetica, as a hand-made file would.
 * `toUnicode`, the font's map from its codes to text, when the text is not the codes read as Latin-1.
 */
function pdfOf(stream: Buffer, { pages = 1, flate = false, toUnicode = "" } = {}): Uint8Array {
  const kids = Array.from({ length: pages }, (_, i) => `${5 + i} 0 R`).join(" ");
  const objects: (string | Buffer)[] = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    Buffer.concat([Buffer.from(`<< /Length ${stream.length}${flate ? " /Filter /FlateDecode" : ""} >>\nstream\n`), stream, Buffer.from("\nendstream")]),
    `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica${toUnicode && ` /ToUnicode ${5 + pages} 0 R`} >>`,
    ...Array.from({ length: pages }, () => "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 3 0 R >>"),
  ];
  if (toUnicode) objects.push(`<< /Length ${toUnicode.length} >>\nstream\n${toUnicode}\nendstream`);
  const parts = [Buffer.from("%PDF-1.4\n")];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((object, i) => {
    offsets.push(length);
    const part = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.from(object), Buffer.from("\nendobj\n")]);
    parts.push(part);
    length += part.length;
  });
  const table = offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("");
  parts.push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${table}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return new Uint8Array(Buffer.concat(parts));
}

describe("what one PDF may take", () => {
  it("refuses a PDF whose stream inflates past the memory budget, and reads the next PDF", async () => {
    // A line of text, then 256 MiB of spaces: the file is a quarter of a megabyte.
    const spaces = Buffer.alloc(1 << 20, 0x20);
    const stream = await deflated(
      (function* () {
        yield Buffer.from("BT /F1 12 Tf 72 720 Td (A line before the bomb.) Tj ET\n");
        for (let i = 0; i < 256; i++) yield spaces;
      })(),
    );
    const bomb = pdfOf(stream, { flate: true });
    expect(bomb.length).toBeLessThan(1 << 20);
    const err = await refusal(importPdf(bomb, {}, "file", { ...PDF_LIMITS, maxMemoryMb: 64 }));
    expect([err.code, err.status, err.field]).toEqual(["payload_too_large", 413, "file"]);
    expect(err.message).toMatch(/more than 64 MiB/);
    const next = await importPdf(await makePdf([[["A report read after the bomb."]]]), {}, "file");
    expect(next.text).toBe("A report read after the bomb.");
  });

  it("refuses a small PDF that makes more text than an article may hold, as an upload of that text is refused", async () => {
    // Each "A" the pages draw is 1,000 letters of text (the font's ToUnicode map says so): 400 pages of
    // 27 lines of one "A" make 10.8 MB of text from a file of a few kilobytes.
    const text = Buffer.from("x".repeat(1_000), "utf16le").swap16().toString("hex");
    const toUnicode = `/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Bomb def /CMapType 2 def
1 begincodespacerange <00> <FF> endcodespacerange
1 beginbfchar <41> <${text}> endbfchar
endcmap CMapName currentdict /CMap defineresource pop end end`;
    const stream = Buffer.from(`BT /F1 12 Tf 72 780 Td 0 -24 TD ${"(A) Tj T* ".repeat(27)}ET`);
    const small = pdfOf(stream, { pages: 400, toUnicode });
    expect(small.length).toBeLessThan(100_000);
    const err = await refusal(importPdf(small, {}, "file"));
    expect([err.code, err.status, err.field]).toEqual(["payload_too_large", 413, undefined]);
    const upload = await refusal(importOffThread({ format: "text", content: new TextEncoder().encode(`${"word ".repeat(MAX_ARTICLE_BYTES / 5)}more`) }));
    expect([upload.code, upload.message]).toEqual([err.code, err.message]);
  });

  it("stores a NUL in the text layer as U+FFFD", async () => {
    const withNul = pdfOf(Buffer.from("BT /F1 12 Tf 72 720 Td (A NUL \\000 in the text.) Tj ET", "latin1"));
    expect((await importPdf(withNul, {}, "file")).text).toBe("A NUL \uFFFD in the text.");
  });

  it("refuses bytes without a PDF header as not a PDF, and reads a PDF whose header follows some junk", async () => {
    const err = await refusal(importPdf(new TextEncoder().encode("hello"), {}, "file"));
    expect([err.code, err.status, err.field]).toEqual(["validation_failed", 400, "file"]);
    expect(err.message).toBe('file: not a PDF (no "%PDF-" header in its first 1024 bytes)');
    const late = await makePdf([[["A header after a preamble."]]]);
    const prefixed = new Uint8Array([...new TextEncoder().encode("junk before the header\n"), ...late]);
    expect((await importPdf(prefixed, {}, "file")).text).toBe("A header after a preamble.");
  });
});
