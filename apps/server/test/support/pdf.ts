import { PDFDocument, StandardFonts } from "pdf-lib";

/** A line of a test PDF: its text, and its size when it is not body text (12 pt). */
export type PdfLine = string | { text: string; size: number };
/** A page's paragraphs, each a list of lines; a blank line's worth of space goes between paragraphs. */
export type PdfPage = PdfLine[][];

/**
 * Writes a PDF with a real text layer (Helvetica, A4), laid out as a typesetter
 * would: lines 15 pt apart, paragraphs 30 pt apart, from the top of the page.
 */
export async function makePdf(pages: PdfPage[], info: { title?: string; author?: string } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  if (info.title) doc.setTitle(info.title);
  if (info.author) doc.setAuthor(info.author);
  for (const paragraphs of pages) {
    const page = doc.addPage([595, 842]);
    let y = 790;
    for (const lines of paragraphs) {
      for (const line of lines) {
        const { text, size } = typeof line === "string" ? { text: line, size: 12 } : line;
        page.drawText(text, { x: 50, y, size, font });
        y -= size + 3;
      }
      y -= 15;
    }
  }
  return doc.save();
}

/** A scan: pages with marks on them and no text layer. */
export async function makeScannedPdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([595, 842]).drawRectangle({ x: 50, y: 100, width: 495, height: 600, borderWidth: 2 });
  return doc.save();
}

/** A PDF of `count` pages with a line of text on each. */
export async function makeLongPdf(count: number): Promise<Uint8Array> {
  return makePdf(Array.from({ length: count }, (_, i) => [[`Page ${i + 1} has this sentence on it.`]]));
}
