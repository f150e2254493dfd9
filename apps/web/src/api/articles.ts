import type { ArticleFormat, Block, Role, SourceFormat } from "@marginalia/schema";
import { api } from "./client.ts";

export type ArticleSummary = { id: string; title: string; byline: string | null; sourceUrl: string | null; revision: number; createdAt: string; updatedAt: string };

export type Article = ArticleSummary & {
  groupId: string;
  publishedAt: string | null;
  currentRevision: number;
  format: SourceFormat;
  text: string;
  /** Offsets in code points (README: "API in brief"). */
  blocks: Block[];
  role: Role;
  /** The id the group's documents and presence know you by (in a group anonymous to peers, not your account's). */
  memberId: string;
  /** `hiddenRoom`, for moderators only: what they hid, out of the group's document. */
  sync: { url: string; room: string; privateRoom: string; hiddenRoom?: string };
};

export const fetchArticles = (groupId: string) =>
  api<{ articles: ArticleSummary[] }>("GET", `/api/groups/${groupId}/articles`).then((r) => r.articles);
export const fetchArticle = (articleId: string) => api<Article>("GET", `/api/articles/${articleId}`);

export type ImportInput =
  | { source: "paste"; format: ArticleFormat; content: string; title?: string; sourceUrl?: string }
  | { source: "file"; file: File }
  /** The server fetches the page and keeps its article text (README: "Importing from a link"). */
  | { source: "link"; url: string; title?: string };

export function importArticle(groupId: string, input: ImportInput) {
  const path = `/api/groups/${groupId}/articles`;
  if (input.source === "file") {
    const form = new FormData();
    form.set("file", input.file);
    return api<ArticleSummary>("POST", path, { form });
  }
  if (input.source === "link") return api<ArticleSummary>("POST", path, { json: { url: input.url, ...(input.title && { title: input.title }) } });
  const { source: _, title, sourceUrl, ...rest } = input;
  return api<ArticleSummary>("POST", path, { json: { ...rest, ...(title && { title }), ...(sourceUrl && { sourceUrl }) } });
}

export const EXPORT_FORMATS = [
  { format: "w3c", label: "W3C Web Annotations (JSON-LD)", extension: "jsonld" },
  { format: "claimreview", label: "ClaimReview (schema.org)", extension: "json" },
  { format: "csv", label: "CSV spreadsheet", extension: "csv" },
  { format: "markdown", label: "Markdown report", extension: "md" },
] as const;

export const exportUrl = (articleId: string, format: (typeof EXPORT_FORMATS)[number]["format"]) =>
  `/api/articles/${articleId}/export?format=${format}`;
