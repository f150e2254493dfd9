/** The article text with its painted highlights, and the names of the kinds, verdicts and statuses they show. */
export { KIND_LABELS, STATUS_LABELS, VERDICT_LABELS, layerFor } from "./highlight-style.ts";
