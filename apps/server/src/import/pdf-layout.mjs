// From the positioned runs of text pdf.js finds on a page to the paragraphs a
// reader sees: runs on one baseline make a line, lines close together make a
// paragraph, and a paragraph's lines are joined into one line of text (a
// hyphen that only split a word is dropped). Plain JavaScript, because it runs
// on the PDF worker (pdf-worker.mjs), which starts without a TypeScript loader.
// Types: pdf-layout.d.mts. See docs/architecture.md, "Importing".

/** Runs on one baseline within this fraction of the font size share a line. */
const SAME_LINE = 0.5;
/** A horizontal gap wider than this fraction of the font size is a space the PDF did not write. */
const WORD_GAP = 0.15;
/** Lines further apart than this many typical line steps start a new paragraph. */
const PARAGRAPH_GAP = 1.4;
/** A size this much larger than the body text's marks a heading. */
const HEADING_RATIO = 1.15;
const MAX_HEADING_LENGTH = 200;
const MAX_RUNNING_LENGTH = 120;

/** Text runs (pdf.js `getTextContent().items`) to lines, in the order the page draws them. */
export function linesOf(items) {
  const lines = [];
  let line = null;
  for (const item of items) {
    if (typeof item.str !== "string") continue;
    const [, , c, d, x, y] = item.transform;
    const size = Math.hypot(c, d) || item.height || 1;
    if (item.str.trim() === "") {
      if (line && item.str) {
        line.text += " ";
        line.spaced = true;
      }
      if (line && item.hasEOL) line.ended = true;
      continue;
    }
    const same = line && !line.ended && Math.abs(y - line.y) <= Math.max(line.size, size) * SAME_LINE;
    if (!same) {
      line = { text: "", x, y, right: x, size, ended: false, spaced: false };
      lines.push(line);
    } else if (x - line.right > size * WORD_GAP && !line.spaced && !/^\s/.test(item.str)) {
      line.text += " ";
    }
    // Whether the line ends in a space is kept, not read from its text: a regular expression anchored
    // at the end scans the whole line, each run, and a line of many runs took quadratic time.
    line.spaced = /\s$/.test(item.str);
    line.text += item.str;
    line.right = Math.max(line.right, x + (item.width || 0));
    line.size = Math.max(line.size, size);
    if (item.hasEOL) line.ended = true;
  }
  return lines
    .map(({ ended: _, spaced: __, ...l }) => ({ ...l, text: l.text.replace(/\s+/g, " ").trim() }))
    .filter((l) => l.text !== "");
}

/** A paragraph's lines as one line: a word split by a hyphen at a line's end is made whole again. */
export function joinLines(texts) {
  // Pieces joined once at the end, and only the last line looked at: cutting the hyphen from the text
  // so far, or testing its end with a regular expression, copied or scanned it all at every line.
  let pieces = [];
  let last = "";
  let empty = true;
  for (const text of texts) {
    if (empty) pieces = [text];
    else if (last.endsWith("\u00AD") || (/\p{Ll}-$/u.test(last) && /^\p{Ll}/u.test(text))) {
      pieces[pieces.length - 1] = last.slice(0, -1);
      pieces.push(text);
    } else pieces.push(" ", text);
    empty &&= text === "";
    last = text;
  }
  return pieces.join("");
}

const median = (values) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const similar = (a, b) => Math.abs(a - b) <= 0.15 * Math.max(a, b);

/**
 * The right edge of the column each line sits in: the widest line that
 * starts where it starts (within two of its sizes). Lines sorted by where
 * they start and a tree of their right edges answer each line in log time:
 * scanning every line for each took quadratic time on a page of many lines.
 */
function columnRights(lines) {
  const n = lines.length;
  const order = lines.map((_, i) => i).sort((a, b) => lines[a].x - lines[b].x);
  const xs = order.map((i) => lines[i].x);
  const tree = new Array(2 * n).fill(-Infinity);
  order.forEach((i, at) => (tree[n + at] = lines[i].right));
  for (let i = n - 1; i > 0; i--) tree[i] = Math.max(tree[2 * i], tree[2 * i + 1]);
  const widest = (from, to) => {
    let right = -Infinity;
    for (let lo = from + n, hi = to + n; lo < hi; lo >>= 1, hi >>= 1) {
      if (lo & 1) right = Math.max(right, tree[lo++]);
      if (hi & 1) right = Math.max(right, tree[--hi]);
    }
    return right;
  };
  /** The first sorted position whose start is past `x` (or at it, with `orAt`). */
  const after = (x, orAt) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] > x || (orAt && xs[mid] === x)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return lines.map((line) => Math.max(line.right, widest(after(line.x - line.size * 2, false), after(line.x + line.size * 2, true))));
}

/**
 * Lines to paragraphs. A paragraph ends at a change of size, at a gap wider
 * than the page's usual line step, at a jump back up the page (a new column),
 * or after a line that stops short of its column's edge on a sentence's end.
 */
export function paragraphsOf(lines) {
  const steps = [];
  for (let i = 1; i < lines.length; i++) {
    const step = lines[i - 1].y - lines[i].y;
    if (step > 0 && similar(lines[i - 1].size, lines[i].size)) steps.push(step);
  }
  const step = median(steps);
  const rights = columnRights(lines);
  const paragraphs = [];
  let current = null;
  lines.forEach((line, i) => {
    const prev = lines[i - 1];
    const drop = prev ? prev.y - line.y : 0;
    const ends =
      !current ||
      !similar(prev.size, line.size) ||
      drop < -prev.size ||
      (step > 0 && drop > step * PARAGRAPH_GAP) ||
      (step === 0 && drop > prev.size * 2) ||
      (prev.right < rights[i - 1] - prev.size * 2 && /[.!?:…]["'”’»)\]]*$/.test(prev.text));
    if (ends) {
      current = { lines: [], size: line.size };
      paragraphs.push(current);
    }
    current.lines.push(line.text);
  });
  return paragraphs.map((p) => ({ text: joinLines(p.lines), size: p.size }));
}

/** The most common size, counted by characters: the body text's. */
function bodySizeOf(paragraphs) {
  const weight = new Map();
  for (const p of paragraphs) {
    const size = Math.round(p.size * 2) / 2;
    weight.set(size, (weight.get(size) ?? 0) + p.text.length);
  }
  return [...weight.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

const PAGE_NUMBER = /^(page\s+)?\d{1,4}(\s*(\/|of)\s*\d{1,4})?$/i;

/**
 * Pages of paragraphs (`[{ page, paragraphs }]`) to blocks `{ kind, text, page, level? }`.
 * Page numbers and running heads or feet (the same line on most pages) are
 * dropped; larger type becomes headings, levelled by size, and the largest on
 * the first page, when it comes first, the title.
 */
/** The kinds a PDF's blocks have, by the codes `packBlocks` gives them. */
export const PDF_BLOCK_KINDS = ["title", "heading", "paragraph"];

/**
 * Blocks as the PDF thread sends them: typed arrays and one string, which are handed over whole. As an
 * array of objects, each with its string, they were rebuilt on the event loop in one step, which many
 * small paragraphs made long (import/packed-blocks.ts says how long).
 */
export function packBlocks(blocks) {
  const n = blocks.length;
  const packed = { kinds: new Uint8Array(n), levels: new Uint8Array(n), pages: new Int32Array(n), lengths: new Int32Array(n), text: "" };
  blocks.forEach((block, i) => {
    packed.kinds[i] = PDF_BLOCK_KINDS.indexOf(block.kind);
    packed.levels[i] = block.level ?? 0;
    packed.pages[i] = block.page;
    packed.lengths[i] = block.text.length;
  });
  packed.text = blocks.map((block) => block.text).join("");
  return packed;
}

export function blocksOf(pages) {
  const all = pages.flatMap((p) => p.paragraphs);
  const body = bodySizeOf(all);
  const shape = (text) => text.replace(/\d+/g, "#").toLowerCase();
  // Running heads and feet are short and sit first or last on a page; only such a repeated line is taken for one.
  const edges = (paragraphs) => [paragraphs[0], paragraphs.at(-1)].filter((p) => p && p.text.length <= MAX_RUNNING_LENGTH);
  const seen = new Map();
  for (const { paragraphs } of pages) {
    for (const key of new Set(edges(paragraphs).map((p) => shape(p.text)))) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const running = (p, paragraphs) => pages.length >= 3 && edges(paragraphs).includes(p) && seen.get(shape(p.text)) > pages.length / 2;
  const headingSizes = [...new Set(all.filter((p) => isHeading(p, body)).map((p) => p.size))].sort((a, b) => b - a);
  const blocks = [];
  for (const { page, paragraphs } of pages) {
    for (const p of paragraphs) {
      if (PAGE_NUMBER.test(p.text) || running(p, paragraphs)) continue;
      if (!isHeading(p, body)) {
        blocks.push({ kind: "paragraph", text: p.text, page });
        continue;
      }
      const rank = headingSizes.indexOf(p.size);
      if (blocks.length === 0 && page === pages[0].page && rank === 0) blocks.push({ kind: "title", text: p.text, page });
      else blocks.push({ kind: "heading", text: p.text, page, level: Math.min(6, rank + 2) });
    }
  }
  return blocks;
}

function isHeading(paragraph, bodySize) {
  return bodySize > 0 && paragraph.size >= bodySize * HEADING_RATIO && paragraph.text.length <= MAX_HEADING_LENGTH;
}
