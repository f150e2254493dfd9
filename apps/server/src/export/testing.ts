import type { AnnotationView } from "../services/annotation-view.ts";
import type { ExportArticle, ExportData } from "./load.ts";

const WHEN = new Date("2024-03-05T10:20:00Z");

/** An annotation as queryAnnotations presents it, for the format tests. */
export function view(overrides: Partial<AnnotationView> = {}): AnnotationView {
  return {
    id: "a1",
    articleId: "art-1",
    groupId: "grp-1",
    kind: "comment",
    author: { id: "u1", name: "Ada" },
    visibility: "group",
    status: "published",
    revision: 1,
    target: { revision: 1, exact: "the quoted passage", prefix: "", suffix: "", start: 10, end: 28 },
    body: "",
    language: null,
    tags: [],
    color: null,
    factcheck: null,
    resolved: false,
    parentId: null,
    assignment: null,
    anchor: { state: "anchored", score: null },
    stale: false,
    staleness: null,
    votes: { agree: 0, disagree: 0 },
    canonical: null,
    via: null,
    createdAt: WHEN,
    updatedAt: WHEN,
    editedAt: null,
    ...overrides,
  };
}

export function factcheck(
  verdict: NonNullable<AnnotationView["factcheck"]>["verdict"],
  overrides: Partial<AnnotationView> = {},
): AnnotationView {
  return view({
    kind: "factcheck",
    factcheck: { claim: `Claim rated ${verdict}`, verdict, confidence: 0.5, sources: [] },
    ...overrides,
  });
}

export function exportData(annotations: AnnotationView[], article: Partial<ExportArticle> = {}): ExportData {
  return {
    scope: "article",
    group: { id: "grp-1", name: "Desk" },
    articles: [
      { id: "art-1", title: "An article", byline: null, sourceUrl: null, publishedAt: null, annotations, ...article },
    ],
    viewer: { id: "u1", role: "annotator" },
    exportedAt: WHEN,
  };
}
