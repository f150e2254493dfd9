import type { Db } from "../db.ts";
import { slugify } from "../services/groups.ts";
import { toW3CCollection } from "../w3c/mapping.ts";
import { toClaimReviews } from "./claimreview.ts";
import { toCsv } from "./csv.ts";
import type { ExportFormat } from "./formats.ts";
import { type ExportData, type ExportProgress, type ExportTarget, loadExport } from "./load.ts";
import { toMarkdown } from "./markdown.ts";

export { EXPORT_FORMATS, type ExportFormat } from "./formats.ts";

type Renderer = { contentType: string; extension: string; render(data: ExportData, baseUrl: string): string };

const json = (value: object) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The export without stale verdicts: W3C and ClaimReview files travel on to readers who cannot see that a
 * revision changed the passage, so a verdict waits there until someone confirms or revises it against the
 * new text (docs/architecture.md, "Verdicts pinned to the text"). CSV and Markdown are the desk's own
 * reports and keep them, marked.
 */
const withoutStale = (data: ExportData): ExportData => ({
  ...data,
  articles: data.articles.map((a) => ({ ...a, annotations: a.annotations.filter((v) => !v.stale) })),
});

const RENDERERS: Record<ExportFormat, Renderer> = {
  w3c: {
    contentType: "application/ld+json",
    extension: "w3c.jsonld",
    render: (data, baseUrl) => {
      const views = withoutStale(data).articles.flatMap((a) => a.annotations);
      const scope =
        data.scope === "article"
          ? { articleId: data.articles[0]!.id, label: data.articles[0]!.title }
          : { groupId: data.group.id, label: data.group.name };
      return json(toW3CCollection(views, { baseUrl, ...scope }));
    },
  },
  claimreview: {
    contentType: "application/ld+json",
    extension: "claimreview.jsonld",
    render: (data, baseUrl) => json(toClaimReviews(withoutStale(data), baseUrl)),
  },
  csv: { contentType: "text/csv; charset=utf-8", extension: "csv", render: (data) => toCsv(data) },
  markdown: { contentType: "text/markdown; charset=utf-8", extension: "md", render: toMarkdown },
};

export type ExportFile = { body: string; contentType: string; filename: string };

/**
 * The one export path, shared by the HTTP routes and the CLI: membership is
 * checked, the member's view is read, and the chosen format is rendered.
 * `baseUrl` is the public origin that links in the file point at.
 */
export async function runExport(
  db: Db,
  target: ExportTarget,
  userId: string,
  format: ExportFormat,
  options: { baseUrl: string; onProgress?: ExportProgress },
): Promise<ExportFile> {
  const data = await loadExport(db, target, userId, options.onProgress);
  const renderer = RENDERERS[format];
  const name = data.scope === "article" ? data.articles[0]!.title : data.group.name;
  return {
    body: renderer.render(data, options.baseUrl),
    contentType: renderer.contentType,
    // A slug keeps the header plain ASCII with nothing to quote or inject.
    filename: `${slugify(name)}-${isoStamp(data.exportedAt)}.${renderer.extension}`,
  };
}

const isoStamp = (date: Date) => date.toISOString().slice(0, 10);
