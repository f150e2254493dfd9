// Accuracy and speed of re-anchoring: revisions of the seed article
// with known edits, 1,000 annotations with known answers, and a count of what
// resolveTarget gets right, orphans, and — the number that must stay 0 —
// places on the wrong text.
import { writeFileSync } from "node:fs";
import { type Anchor, CodePointIndex, buildTarget, resolveTarget } from "@marginalia/schema";
import { SEED } from "./harness.ts";
import { type Revision, REVISIONS, type Span, randomQuotes } from "./anchoring-corpus.ts";

type Outcome = "correct" | "orphaned" | "wrong";

/** Intersection over union of two ranges. */
function overlap(a: Span, b: Span): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  return inter / (Math.max(a.end, b.end) - Math.min(a.start, b.start));
}

function judge(anchor: Anchor, truth: Span | null): Outcome {
  if (!truth) return anchor.state === "orphaned" ? "correct" : "wrong";
  if (anchor.state === "orphaned") return "orphaned";
  return overlap(anchor, truth) >= 0.8 ? "correct" : "wrong";
}

const original = Array.from(SEED.replace(/\r\n/g, "\n"));
const originalText = original.join("");
const quotes = randomQuotes(originalText, 1000, 20261126);
const oldIndex = new CodePointIndex(originalText);
const targets = quotes.map((q) => buildTarget(oldIndex, q, 1));

const rows: string[] = [];
let worstSpeed = 0;
const totals = { correct: 0, orphaned: 0, wrong: 0, mustOrphan: 0, orphanedRight: 0 };
for (const revision of REVISIONS) {
  const { text, origins } = revision.apply(original, 7);
  const newIndex = new CodePointIndex(text);
  const truths = quotes.map((q) => truthFor(q, origins));
  const started = performance.now();
  const anchors = targets.map((t) => resolveTarget(newIndex, t, { oldLength: original.length }));
  const ms = performance.now() - started;
  worstSpeed = Math.max(worstSpeed, ms);
  const counts = { correct: 0, orphaned: 0, wrong: 0 };
  anchors.forEach((a, i) => counts[judge(a, truths[i]!)]++);
  const mustOrphan = truths.filter((t) => t === null).length;
  totals.correct += counts.correct;
  totals.orphaned += counts.orphaned;
  totals.wrong += counts.wrong;
  totals.mustOrphan += mustOrphan;
  rows.push(
    `| ${revision.name} | ${pct(counts.correct)} | ${pct(counts.orphaned)} | ${counts.wrong} | ${mustOrphan} | ${ms.toFixed(0)} ms |`,
  );
}

/** Where the quoted characters ended up; null when most of them are gone (the quote must orphan). */
function truthFor(quote: Span, origins: number[]): Span | null {
  const positions: number[] = [];
  origins.forEach((origin, at) => {
    if (origin >= quote.start && origin < quote.end) positions.push(at);
  });
  if (positions.length < (quote.end - quote.start) * 0.5) return null;
  return { start: Math.min(...positions), end: Math.max(...positions) + 1 };
}

function pct(n: number) {
  return `${((n / quotes.length) * 100).toFixed(1)}%`;
}

const all = quotes.length * REVISIONS.length;
const report = [
  "# Re-anchoring accuracy and speed",
  "",
  `${quotes.length} random quotes (3–15 words) on the seed article, resolved on each revision. "Correct" includes quotes that must orphan and did.`,
  "",
  "| revision | correct | orphaned (missed) | placed wrongly | must orphan | time for 1,000 |",
  "|---|---|---|---|---|---|",
  ...rows,
  `| **all** | ${((totals.correct / all) * 100).toFixed(2)}% | ${((totals.orphaned / all) * 100).toFixed(2)}% | ${totals.wrong} | ${totals.mustOrphan} | worst ${worstSpeed.toFixed(0)} ms |`,
  "",
].join("\n");
console.log(report);
writeFileSync(new URL("../results/anchoring.md", import.meta.url), report);
if (totals.wrong > 0) process.exitCode = 1;

export type { Revision };
