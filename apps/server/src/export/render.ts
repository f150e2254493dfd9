import type { AnnotationView } from "../services/annotation-view.ts";
import { toW3CCollection } from "../w3c/mapping.ts";
import { toClaimReviews } from "./claimreview.ts";
import { toCsv } from "./csv.ts";
import type { ExportFormat } from "./formats.ts";
import type { ExportData } from "./load.ts";
import { webUrl } from "./web-url.ts";
import { toMarkdown } from "./markdown.ts";

type Renderer = { contentType: string; extension: string; render(data: ExportData, baseUrl: string): string };

/**
 * JSON-LD files are made to be pasted into a page inside `<script type="application/ld+json">` (ClaimReview
 * is read by search engines only from there). A member's `</script>` in a claim would end that element and
 * run what follows on the publisher's site, so the characters HTML reads there are written as JSON escapes:
 * the same JSON to any parser, inert to the page.
 */
const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;
const json = (value: object) =>
  `${JSON.stringify(value, null, 2).replace(SCRIPT_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;

/**
 * The export without stale verdicts: W3C and ClaimReview files travel on to readers who cannot see that a
 * revision changed the passage, so a verdict waits there until someone confirms or revises it against the
 * new text (docs/architecture.md, "Verdicts pinned to the text"). Its thread goes with it: a reply was
 * written on the old text too (a verdict reply most of all), and would name a parent the file does not
 * hold. So does a reply whose parent the member cannot see: nothing in these files refers to what is not
 * in them. CSV and Markdown are the desk's own reports and keep stale verdicts, marked, with their threads.
 */
const withoutStale = (data: ExportData): ExportData => ({
  ...data,
  articles: data.articles.map((a) => ({ ...a, annotations: wholeThreads(a.annotations.filter((v) => !v.stale)) })),
});

/**
 * A fact-check's sources as a file gives them (export/web-url.ts). Only the file: the W3C API serves them as
 * stored, so that an annotation a client reads and PUTs back is not changed by a trailing "/".
 */
const withWebSources = (v: AnnotationView): AnnotationView =>
  v.factcheck?.sources.length
    ? { ...v, factcheck: { ...v.factcheck, sources: v.factcheck.sources.map((s) => ({ ...s, url: webUrl(s.url) ?? s.url })) } }
    : v;

/** `views` without each reply whose parent, or whose parent's parent and so on, is not among them. */
function wholeThreads(views: AnnotationView[]): AnnotationView[] {
  const byId = new Map(views.map((v) => [v.id, v]));
  const kept = new Map<string, boolean>();
  const keeps = (v: AnnotationView): boolean => {
    const known = kept.get(v.id);
    if (known !== undefined) return known;
    // Marked first, so that a cycle (which the server never writes) ends rather than recurses.
    kept.set(v.id, false);
    const parent = v.parentId ? byId.get(v.parentId) : undefined;
    const answer = !v.parentId || (parent !== undefined && keeps(parent));
    kept.set(v.id, answer);
    return answer;
  };
  return views.filter(keeps);
}

export const RENDERERS: Record<ExportFormat, Renderer> = {
  w3c: {
    contentType: "application/ld+json",
    extension: "w3c.jsonld",
    render: (data, baseUrl) => {
      const views = withoutStale(data).articles.flatMap((a) => a.annotations).map(withWebSources);
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

/** The file's text in `format`: on a worker thread (render-thread.ts), or here when none can run. */
export function renderExport(format: ExportFormat, data: ExportData, baseUrl: string): string {
  return RENDERERS[format].render(data, baseUrl);
}
