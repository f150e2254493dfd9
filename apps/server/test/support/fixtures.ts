import { readFileSync } from "node:fs";

export const SEED_ARTICLE = readFileSync(
  new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url),
  "utf8",
);

/**
 * Passages of the seed article that SEED_CORRECTION treats differently: one it leaves as it is (moved down
 * below the note it adds on top), one it rewords, one it deletes.
 */
export const SEED_PASSAGES = {
  kept: "the West is so sensitive about any cooperation",
  reworded: "Russia and the Iranian regime are both today under tough sanctions",
  deleted: "Western countries, especially the United States, do not have many options",
} as const;

/** The seed article as a correction leaves it: for a second revision that moves, rewords and orphans passages. */
export const SEED_CORRECTION = `Correction: an earlier version misstated the date of the visit.\n\n${SEED_ARTICLE}`
  .replace("under tough sanctions", "under tougher sanctions")
  .replace(SEED_ARTICLE.split("\n").find((l) => l.includes(SEED_PASSAGES.deleted))!, "");

export const SEED_HEADINGS = [
  "Russia-Iran threats reach unknown domains",
  "A background of Russia and Iran relations",
  "Moscow-Tehran’s attempts to challenge the West hegemony",
  "The West ambiguous approach toward Russia-Iran deepening ties",
  "Pushing Iran away from Russia",
];

/** The text of a block, sliced in code points as the API defines offsets. */
export function blockText(text: string, block: { start: number; end: number }): string {
  return Array.from(text).slice(block.start, block.end).join("");
}
