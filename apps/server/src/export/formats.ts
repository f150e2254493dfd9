/** Kept apart from the renderers so the CLI can name the formats without loading them. */
export const EXPORT_FORMATS = ["w3c", "claimreview", "csv", "markdown"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
