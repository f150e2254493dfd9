// Accuracy, cost and safety of re-anchoring: revisions of the seed article
// with known edits, 1,000 annotations with known answers, and a count of what
// resolveTarget gets right, orphans, and (the number that must stay 0)
// places on the wrong text; then the crafted inputs and a 1 MB article with
// 10,000 annotations through the server's worker (anchoring-load.ts).
// ANCHOR_DEBUG=1 prints each wrong placement: its target, where it belonged and where it went.
import { writeFileSync } from "node:fs";
import { CodePointIndex, buildTarget, resolveTarget } from "@marginalia/schema";
import { resolveSlice } from "@marginalia/server/anchoring/jobs.ts";
import { anchorWorker } from "@marginalia/server/anchoring/pool.ts";
import { SEED } from "./harness.ts";
import { outPath } from "./lib/out-path.ts";
import { RANDOM_REVISIONS, REVISIONS, type Span, WORDS_REPLACED, judge, newPlaces, randomQuotes, truthFor } from "./anchoring-corpus.ts";
import { craftedCases, longArticleLoad } from "./anchoring-load.ts";

const QUOTES_SEED = 20261126;
const EDIT_SEEDS = [7, 8, 9, 10, 11, 12];

console.log(`[bench:anchoring] quotes seed ${QUOTES_SEED}, edit seeds ${EDIT_SEEDS.join(", ")}`);
const original = Array.from(SEED.replace(/\r\n/g, "\n"));
const originalText = original.join("");
const quotes = randomQuotes(originalText, 1000, QUOTES_SEED);
const oldIndex = new CodePointIndex(originalText);
const targets = quotes.map((q) => buildTarget(oldIndex, q, 1));
const words = (q: Span) => originalText.slice(oldIndex.toUtf16(q.start), oldIndex.toUtf16(q.end)).split(/\s+/).length;

const rows: string[] = [];
let worstMs = 0;
const totals = { correct: 0, orphaned: 0, wrong: 0, mustOrphan: 0, all: 0, withoutMap: 0, wrongWithoutMap: 0 };
const short = { count: 0, correct: 0, wrong: 0 };
for (const revision of [...REVISIONS, WORDS_REPLACED]) {
  const seeds = RANDOM_REVISIONS.has(revision.name) ? EDIT_SEEDS : [EDIT_SEEDS[0]!];
  const counts = { correct: 0, orphaned: 0, wrong: 0, mustOrphan: 0, withoutMap: 0, wrongWithoutMap: 0 };
  let ms = 0;
  for (const seed of seeds) {
    const { text, origins } = revision.apply(original, seed);
    const newIndex = new CodePointIndex(text);
    const places = newPlaces(origins, original.length);
    const started = performance.now();
    // As the server resolves a correction's targets: with an edit map of the two texts (edit-map.ts), built in the time measured.
    const anchors = resolveSlice({ key: `${revision.name}@${seed}`, text, oldLength: original.length, targets, before: { revision: 1, text: originalText } });
    ms += performance.now() - started;
    const withoutMap = targets.map((t) => resolveTarget(newIndex, t, { oldLength: original.length }));
    anchors.forEach((anchor, i) => {
      const truth = truthFor(quotes[i]!, places);
      const outcome = judge(anchor, truth);
      counts[outcome]++;
      const plain = judge(withoutMap[i]!, truth);
      if (plain === "correct") counts.withoutMap++;
      if (plain === "wrong") counts.wrongWithoutMap++;
      if (outcome === "wrong" && process.env.ANCHOR_DEBUG) {
        const a = anchors[i]!;
        const t = targets[i]!;
        console.error({ revision: revision.name, seed, exact: t.exact, prefix: t.prefix, suffix: t.suffix, truth: truth && newIndex.slice(truth.start, truth.end), placed: a.state === "orphaned" ? null : newIndex.slice(a.start, a.end), around: truth && newIndex.slice(truth.start - 60, truth.end + 40), anchor: a });
      }
      if (!truth) counts.mustOrphan++;
      // The case the reader's misses had in common: a short passage with one word replaced, context intact.
      const edited = truth && newIndex.slice(truth.start, truth.end) !== targets[i]!.exact;
      if (revision === WORDS_REPLACED && edited && words(quotes[i]!) <= 6) {
        short.count++;
        if (outcome === "correct") short.correct++;
        if (outcome === "wrong") short.wrong++;
      }
    });
  }
  const n = quotes.length * seeds.length;
  worstMs = Math.max(worstMs, ms / seeds.length);
  for (const k of ["correct", "orphaned", "wrong", "mustOrphan", "withoutMap", "wrongWithoutMap"] as const) totals[k] += counts[k];
  totals.all += n;
  rows.push(
    `| ${revision.name} | ${seeds.length} | ${pct(counts.correct, n)} | ${pct(counts.orphaned, n)} | ${counts.wrong} | ${counts.mustOrphan} | ${pct(counts.withoutMap, n)} (${counts.wrongWithoutMap} wrong) | ${(ms / seeds.length).toFixed(0)} ms |`,
  );
}

function pct(n: number, of: number, digits = 1) {
  return `${((n / of) * 100).toFixed(digits)}%`;
}

const crafted = await craftedCases();
const load = await longArticleLoad();
const report = [
  "# Re-anchoring: accuracy, cost and the event loop",
  "",
  `${quotes.length} random quotes (3–15 words) on the seed article, resolved on each revision; edits that depend on a seed are made with ${EDIT_SEEDS.length} seeds (${EDIT_SEEDS.join(", ")}). "Correct" includes quotes that must orphan and did; "placed wrongly" must stay 0.`,
  "",
  "| revision | seeds | correct | orphaned (missed) | placed wrongly | must orphan | correct without the edit map | time for 1,000 (with the map's diff) |",
  "|---|---|---|---|---|---|---|---|",
  ...rows,
  `| **all** | | ${pct(totals.correct, totals.all, 2)} | ${pct(totals.orphaned, totals.all, 2)} | ${totals.wrong} | ${totals.mustOrphan} | ${pct(totals.withoutMap, totals.all, 2)} (${totals.wrongWithoutMap} wrong) | worst ${worstMs.toFixed(0)} ms |`,
  "",
  `Short passages (at most 6 words) in which one word was replaced by a shorter one, context intact: ${short.count} cases, ${short.correct} correct (${pct(short.correct, Math.max(1, short.count))}), ${short.wrong} wrong.`,
  "",
  "## Crafted inputs",
  "",
  "Each runs on this thread, as the worker would, after the revision's index is built (once per revision); the tests check that these complete and what they place, never how fast.",
  "",
  "| case | annotations | placed | orphaned | total | per annotation |",
  "|---|---|---|---|---|---|",
  ...crafted.map((c) => `| ${c.name} | ${c.count} | ${c.placed} | ${c.orphaned} | ${c.ms.toFixed(0)} ms | ${((c.ms * 1000) / c.count).toFixed(0)} µs |`),
  "",
  "## A 1 MB article with 10,000 annotations, through the server's worker",
  "",
  `The article: ${(load.chars / 1e6).toFixed(2)} M characters; the revision inserts sentences and swaps letters. Resolved by \`anchorWorker\` (apps/server/src/anchoring/pool.ts) on ${anchorWorker.where === "thread" ? "its worker thread" : "the event loop (the worker could not start)"}, while this thread answered \`GET /healthz\` every 10 ms.`,
  "",
  "| annotations | total | per 1,000 | per annotation | correct | orphaned | wrong | worst event-loop delay | worst /healthz |",
  "|---|---|---|---|---|---|---|---|---|",
  `| ${load.count} | ${(load.ms / 1000).toFixed(2)} s | ${((load.ms * 1000) / load.count).toFixed(0)} ms | ${((load.ms * 1000) / load.count).toFixed(0)} µs | ${load.correct} | ${load.orphaned} | ${load.wrong} | ${load.worstDelayMs.toFixed(1)} ms | ${load.worstHealthMs.toFixed(1)} ms |`,
  "",
].join("\n");
console.log(report);
// --out=FILE for development runs, so that anchoring.md keeps a real run's figures.
writeFileSync(outPath(process.argv.slice(2), "anchoring.md"), report);
if (totals.wrong > 0 || load.wrong > 0) process.exitCode = 1;
