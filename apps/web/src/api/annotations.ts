import type { AnchorState, AnnotationKind, AnnotationStatus, Source, TextTarget, Verdict } from "@marginalia/schema";
import { api } from "./client.ts";

/** The REST projection of one annotation (apps/server/src/services/annotation-view.ts). */
export type AnnotationView = {
  id: string;
  articleId: string;
  groupId: string;
  kind: AnnotationKind;
  author: { id: string | null; name: string | null };
  visibility: "group" | "private";
  status: AnnotationStatus;
  revision: number;
  target: TextTarget | null;
  body: string;
  /** The body's language, a canonical BCP 47 tag; null when unknown. */
  language: string | null;
  tags: string[];
  factcheck: { claim: string | null; verdict: Verdict | null; confidence: number | null; sources: Source[] } | null;
  resolved: boolean;
  parentId: string | null;
  anchor: { state: AnchorState; score: number | null };
  /** A fact-check whose passage a revision changed, and how (docs/architecture.md, "Verdicts pinned to the text"). */
  stale: boolean;
  staleness: { judgedRevision: number; revision: number; oldQuote: string; newQuote: string | null } | null;
  votes: { agree: number; disagree: number };
  createdAt: string;
  updatedAt: string;
  /** When its author last changed its body or fact-check; null while it reads as first written. */
  editedAt: string | null;
};

export type AnnotationQuery = Partial<Record<"kind" | "status" | "verdict" | "author" | "resolved" | "anchor" | "q" | "sort" | "cursor" | "limit", string>>;

export function queryAnnotations(articleId: string, query: AnnotationQuery) {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1]));
  return api<{ annotations: AnnotationView[]; nextCursor: string | null }>("GET", `/api/articles/${articleId}/annotations?${params}`);
}

/**
 * What the reader paints before its documents have synced: each visible
 * thread's span on the article's current revision, with what its layer
 * depends on (GET /api/articles/:id/highlights, apps/server/src/services/highlights.ts).
 */
export type HighlightList = {
  revision: number;
  highlights: Array<{
    id: string;
    start: number;
    end: number;
    kind: AnnotationKind;
    status: AnnotationStatus;
    resolved: boolean;
    visibility: "group" | "private";
    verdict?: Verdict;
    /** A verdict a correction left stale (docs/architecture.md, "Verdicts pinned to the text"). */
    stale: boolean;
  }>;
};

export const fetchHighlights = (articleId: string) => api<HighlightList>("GET", `/api/articles/${articleId}/highlights`);

/**
 * Puts an orphaned annotation back on a range of the current text (code
 * points); the server builds the target and marks it anchored. Its author or
 * a moderator may.
 */
export function reattachAnnotation(id: string, range: { start: number; end: number }) {
  return api<AnnotationView>("POST", `/api/annotations/${id}/reattach`, { json: { start: range.start, end: range.end } });
}

/** Confirms a stale verdict against the passage as it now reads: its author or a moderator may. */
export const confirmVerdict = (id: string) => api<AnnotationView>("POST", `/api/annotations/${id}/confirm`);

export const flagAnnotation = (id: string, reason: string) => api<{ id: number }>("POST", `/api/annotations/${id}/flag`, { json: { reason } });

/** One earlier fact-check from GET /api/groups/:groupId/claims/similar (apps/server/src/services/claims.ts). */
export type ClaimMatch = { annotationId: string; articleId: string; claim: string; verdict: Verdict; score: number };

export const fetchSimilarClaims = (groupId: string, q: string) =>
  api<{ matches: ClaimMatch[] }>("GET", `/api/groups/${groupId}/claims/similar?q=${encodeURIComponent(q)}`);

/** One page of the group's annotations that match `q` across its articles, newest first (GET /api/groups/:groupId/annotations). */
export function searchGroupAnnotations(groupId: string, q: string, limit: number) {
  const params = new URLSearchParams({ q, limit: String(limit) });
  return api<{ annotations: AnnotationView[]; nextCursor: string | null }>("GET", `/api/groups/${groupId}/annotations?${params}`);
}

export const fetchAnnotation = (id: string) => api<AnnotationView>("GET", `/api/annotations/${encodeURIComponent(id)}`);
