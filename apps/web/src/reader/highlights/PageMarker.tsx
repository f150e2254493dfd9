import type { Block } from "@marginalia/schema";

/**
 * The page that begins at block `i`, when it is not the page of the block
 * before: where a PDF's page breaks fell. Null for articles without pages.
 */
export function pageStartingAt(blocks: readonly Block[], i: number): number | null {
  const page = blocks[i]?.page;
  return page !== undefined && i > 0 && page !== blocks[i - 1]?.page ? page : null;
}

/**
 * A page break of the source PDF. Its label is drawn by CSS (`data-page`),
 * so that the article holds no text that is not the article's: selections
 * and highlights never meet it.
 */
export function PageMarker({ page }: { page: number }) {
  return <div className="page-marker" role="separator" aria-label={`Page ${page}`} data-page={page} />;
}
