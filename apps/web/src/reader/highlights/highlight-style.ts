import { type AnnotationKind, type AnnotationStatus, VERDICT_SCALE, type Verdict } from "@marginalia/schema";

/**
 * Which painted layer an annotation belongs to. Each layer is one
 * `Highlight` in `CSS.highlights`, styled by `::highlight(<name>)` in
 * styles/highlights.css: kinds differ in form (fill, underline, wavy
 * underline) and verdicts in colour, so overlapping ones stay readable.
 */
export type LayerName =
  | "mg-highlight"
  | "mg-comment"
  | `mg-fc-${Verdict}`
  | "mg-factcheck"
  | "mg-tentative"
  | "mg-resolved"
  | "mg-private";

export function layerFor(a: {
  kind: AnnotationKind;
  status: AnnotationStatus;
  resolved: boolean;
  source?: "group" | "private" | "hidden";
  factcheck: { verdict?: Verdict | null } | null;
}): LayerName {
  // Work nobody else can see yet (drafts, submissions, reviews) is drawn tentatively.
  if (a.status === "draft" || a.status === "pending" || a.status === "rejected") return "mg-tentative";
  if (a.resolved) return "mg-resolved";
  if (a.source === "private") return "mg-private";
  if (a.kind === "factcheck") return a.factcheck?.verdict ? `mg-fc-${a.factcheck.verdict}` : "mg-factcheck";
  return a.kind === "comment" ? "mg-comment" : "mg-highlight";
}

/** Higher layers paint over lower ones: fact-checks over other kinds, and the transient ones over all. */
export const LAYER_PRIORITY: Record<string, number> = {
  "mg-resolved": 0,
  "mg-tentative": 1,
  "mg-private": 2,
  "mg-highlight": 3,
  "mg-comment": 4,
  "mg-factcheck": 5,
  "mg-draft": 8,
  "mg-focus": 9,
};
export const priorityOf = (layer: string) =>
  LAYER_PRIORITY[layer] ?? (layer.startsWith("mg-fc-") ? 5 : layer.startsWith("mg-peer-") ? 7 : 3);

/** Short human labels, used in the sidebar and the legend. */
export const VERDICT_LABELS = Object.fromEntries(
  Object.entries(VERDICT_SCALE).map(([verdict, { label }]) => [verdict, label]),
) as Record<Verdict, string>;

export const KIND_LABELS: Record<AnnotationKind, string> = {
  highlight: "Highlight",
  comment: "Comment",
  factcheck: "Fact-check",
};

export const STATUS_LABELS: Record<AnnotationStatus, string> = {
  draft: "Draft",
  pending: "In review",
  published: "Published",
  rejected: "Rejected",
  hidden: "Hidden",
};
