import * as Y from "yjs";
import {
  type AnnotationValue,
  type Factcheck,
  ROOTS,
  type VoteValue,
  parseVoteKey,
  voteKey,
} from "./layout.ts";
import type { AnnotationKind, AnnotationStatus, TextTarget } from "../vocabulary/annotations.ts";

export type AnnotationMap = Y.Map<unknown>;

export const annotationsOf = (doc: Y.Doc) => doc.getMap<AnnotationMap>(ROOTS.annotations);
export const votesOf = (doc: Y.Doc) => doc.getMap<VoteValue>(ROOTS.votes);
export const notesOf = (doc: Y.Doc) => doc.getText(ROOTS.notes);
export const withheldOf = (doc: Y.Doc) => doc.getMap<true>(ROOTS.withheld);

export type NewAnnotation = {
  id?: string;
  kind: AnnotationKind;
  authorId: string;
  target?: TextTarget | null;
  body?: string;
  tags?: string[];
  color?: string | null;
  factcheck?: Factcheck | null;
  status?: AnnotationStatus;
  parentId?: string | null;
  assignees?: string[];
  dueAt?: number | null;
  canonical?: string | null;
  via?: string | null;
  language?: string | null;
};

/**
 * Creates an annotation in one transaction, so that it travels as one update
 * and the server can check it whole.
 */
export function createAnnotation(doc: Y.Doc, input: NewAnnotation, origin: unknown = null): string {
  const value = newAnnotationValue(input);
  doc.transact(() => writeAnnotation(doc, value), origin);
  return value.id;
}

/** A whole annotation value from what a writer gives, every other field at its default. */
export function newAnnotationValue(input: NewAnnotation, now = Date.now()): AnnotationValue {
  return {
    id: input.id ?? crypto.randomUUID(),
    kind: input.kind,
    authorId: input.authorId,
    createdAt: now,
    updatedAt: now,
    editedAt: null,
    target: input.target ?? null,
    tags: input.tags ?? [],
    color: input.color ?? null,
    factcheck: input.factcheck ?? null,
    status: input.status ?? "published",
    resolved: false,
    parentId: input.parentId ?? null,
    rejectionReason: null,
    anchor: null,
    judged: null,
    assignees: input.assignees ?? [],
    dueAt: input.dueAt ?? null,
    hiddenFrom: null,
    canonical: input.canonical ?? null,
    via: input.via ?? null,
    language: input.language ?? null,
    body: input.body ?? "",
  };
}

/**
 * Writes a whole annotation as a new map under its id. Optional fields that
 * are null are left out, as a client creating one would leave them.
 */
export function writeAnnotation(doc: Y.Doc, value: AnnotationValue) {
  const map = new Y.Map<unknown>();
  annotationsOf(doc).set(value.id, map);
  for (const [key, field] of Object.entries(value)) {
    if (key === "body") map.set("body", new Y.Text(field as string));
    else if (!OMITTED_WHEN_EMPTY.has(key) || !isEmpty(field)) map.set(key, field);
  }
}

/** Fields most annotations never use, left out of the map (and the update) until they are set. */
const OMITTED_WHEN_EMPTY = new Set(["editedAt", "rejectionReason", "anchor", "judged", "assignees", "dueAt", "hiddenFrom", "canonical", "via", "language"]);
const isEmpty = (value: unknown) => value === null || (Array.isArray(value) && value.length === 0);

export type AnnotationPatch = Partial<
  Pick<
    AnnotationValue,
    "target" | "tags" | "color" | "factcheck" | "status" | "resolved" | "rejectionReason" | "anchor" | "judged" | "assignees" | "dueAt" | "language"
  >
> & { body?: string };

/**
 * Sets the given fields (replacing the body text when given) and stamps updatedAt. A body or fact-check
 * written again as it reads is left alone: the server marks an annotation edited (editedAt) when either
 * changes, and a re-save is no edit.
 */
export function updateAnnotation(doc: Y.Doc, id: string, patch: AnnotationPatch, origin: unknown = null): boolean {
  const map = annotationsOf(doc).get(id);
  if (!map) return false;
  doc.transact(() => {
    for (const [key, value] of Object.entries(patch)) {
      if (key === "body") {
        // Written before the server refused it, a document may hold an annotation without its body.
        const text = map.get("body");
        if (!(text instanceof Y.Text)) map.set("body", new Y.Text(value as string));
        else if (text.toString() !== value) {
          text.delete(0, text.length);
          text.insert(0, value as string);
        }
      } else if (key !== "factcheck" || !sameFactcheck(value, map.get("factcheck"))) map.set(key, value);
    }
    map.set("updatedAt", Date.now());
  }, origin);
  return true;
}

/** Whether two fact-checks read the same, whatever the order of their keys. */
export function sameFactcheck(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** JSON with object keys sorted, so that a fact-check written again with its keys in another order compares equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

export function deleteAnnotation(doc: Y.Doc, id: string, origin: unknown = null): boolean {
  const annotations = annotationsOf(doc);
  if (!annotations.has(id)) return false;
  doc.transact(() => annotations.delete(id), origin);
  return true;
}

/**
 * What each field reads as when its map holds no value for it. The socket's authorizer judges an update
 * that may leave a field with no value as one that sets it to this (apps/server/src/sync/validate/map-entries.ts).
 */
export const FIELD_FALLBACKS: Readonly<Omit<AnnotationValue, "body">> & { body: string } = Object.freeze({
  id: "",
  kind: "comment",
  authorId: "",
  createdAt: 0,
  updatedAt: 0,
  editedAt: null,
  target: null,
  tags: Object.freeze([]) as unknown as string[],
  color: null,
  factcheck: null,
  status: "published",
  resolved: false,
  parentId: null,
  rejectionReason: null,
  anchor: null,
  judged: null,
  assignees: Object.freeze([]) as unknown as string[],
  dueAt: null,
  hiddenFrom: null,
  canonical: null,
  via: null,
  language: null,
  body: "",
});

/** Plain data for one annotation map; missing fields read as their fallbacks (FIELD_FALLBACKS). */
export function readAnnotation(map: AnnotationMap): AnnotationValue {
  // A fresh array for each reader (the fallbacks are shared).
  const get = <K extends keyof AnnotationValue>(key: K): AnnotationValue[K] =>
    map.has(key) ? (map.get(key) as AnnotationValue[K]) : Array.isArray(FIELD_FALLBACKS[key]) ? ([] as unknown as AnnotationValue[K]) : FIELD_FALLBACKS[key];
  const body = map.get("body");
  return {
    id: get("id"),
    kind: get("kind"),
    authorId: get("authorId"),
    createdAt: get("createdAt"),
    updatedAt: get("updatedAt"),
    editedAt: get("editedAt"),
    target: get("target"),
    tags: get("tags"),
    color: get("color"),
    factcheck: get("factcheck"),
    status: get("status"),
    resolved: get("resolved"),
    parentId: get("parentId"),
    rejectionReason: get("rejectionReason"),
    anchor: get("anchor"),
    judged: get("judged"),
    assignees: get("assignees"),
    dueAt: get("dueAt"),
    hiddenFrom: get("hiddenFrom"),
    canonical: get("canonical"),
    via: get("via"),
    language: get("language"),
    body: body instanceof Y.Text ? body.toString() : typeof body === "string" ? body : "",
  };
}

export function readAnnotations(doc: Y.Doc): AnnotationValue[] {
  return [...annotationsOf(doc).values()].map(readAnnotation);
}

export function setVote(doc: Y.Doc, annotationId: string, userId: string, value: VoteValue | null, origin: unknown = null) {
  const votes = votesOf(doc);
  const key = voteKey(annotationId, userId);
  doc.transact(() => (value ? votes.set(key, value) : votes.delete(key)), origin);
}

export function voteCounts(doc: Y.Doc, annotationId: string): { agree: number; disagree: number } {
  const counts = { agree: 0, disagree: 0 };
  for (const [key, value] of votesOf(doc).entries()) {
    if (parseVoteKey(key)?.annotationId === annotationId && (value === "agree" || value === "disagree")) counts[value]++;
  }
  return counts;
}
