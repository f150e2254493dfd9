import { readFileSync } from "node:fs";

export const SEED_ARTICLE = readFileSync(
  new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url),
  "utf8",
);

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
