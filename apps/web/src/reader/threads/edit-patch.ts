import type { AnnotationPatch, Factcheck } from "@marginalia/schema";
import { type FactcheckDraft, draftFrom } from "../factcheck/factcheck-draft.ts";
import { VERDICT_LABELS } from "../highlights/highlight-style.ts";

/** What the edit form shows of an annotation: its body and, for a fact-check, its fields. */
export type Editable = { body: string; factcheck: Factcheck | null };
export type EditField = "body" | "claim" | "verdict" | "confidence" | "sources";

const FACTCHECK_FIELDS = ["claim", "verdict", "confidence", "sources"] as const;

export const FIELD_LABELS: Record<EditField, string> = { body: "The text", claim: "The claim", verdict: "The verdict", confidence: "The confidence", sources: "The sources" };

/** Sources as the form compares them: filled rows only, trimmed. */
const sourcesKey = (sources: FactcheckDraft["sources"]) =>
  JSON.stringify(sources.map((s) => ({ url: s.url.trim(), title: s.title.trim() })).filter((s) => s.url || s.title));

/**
 * The fields the user changed in the form, against the values it opened with.
 * Only these are written: another member may have changed the others since,
 * and writing the form's whole snapshot back would undo their change.
 */
export function changedFields(opened: Editable, body: string, draft: FactcheckDraft | null): Set<EditField> {
  const changed = new Set<EditField>();
  if (body.trim() !== opened.body.trim()) changed.add("body");
  if (draft && opened.factcheck) {
    const was = draftFrom(opened.factcheck);
    if (draft.claim.trim() !== was.claim.trim()) changed.add("claim");
    if (draft.verdict !== was.verdict) changed.add("verdict");
    if (draft.confidence !== was.confidence) changed.add("confidence");
    if (sourcesKey(draft.sources) !== sourcesKey(was.sources)) changed.add("sources");
  }
  return changed;
}

/** One field's stored value, comparable as a string. */
function stored(value: Editable, field: EditField): string {
  if (field === "body") return value.body;
  const factcheck = value.factcheck;
  if (!factcheck) return "";
  if (field === "sources") return JSON.stringify(factcheck.sources.map((s) => ({ url: s.url, title: s.title })));
  return String(factcheck[field] ?? "");
}

/** The fields the user changed that someone else also changed since the form opened. */
export function conflicts(opened: Editable, current: Editable, changed: ReadonlySet<EditField>): EditField[] {
  return [...changed].filter((field) => stored(opened, field) !== stored(current, field));
}

/**
 * The update for the changed fields only. A fact-check is stored whole, so
 * the changed fields are laid over its current value, not the one the form
 * opened with. `value` is the form's validated fact-check.
 */
export function editPatch(current: Editable, body: string, value: Factcheck | null, changed: ReadonlySet<EditField>): AnnotationPatch {
  const patch: AnnotationPatch = {};
  if (changed.has("body")) patch.body = body.trim();
  if (value && FACTCHECK_FIELDS.some((f) => changed.has(f))) {
    const base = current.factcheck ?? value;
    const pick = <K extends (typeof FACTCHECK_FIELDS)[number]>(field: K) => (changed.has(field) ? value[field] : base[field]);
    const merged: Factcheck = { claim: pick("claim"), verdict: pick("verdict"), sources: pick("sources") };
    const confidence = pick("confidence");
    if (confidence !== undefined) merged.confidence = confidence;
    patch.factcheck = merged;
  }
  return patch;
}

/** A field's current value in words, for telling the user what someone else changed it to. */
export function describeValue(value: Editable, field: EditField): string {
  const factcheck = value.factcheck;
  if (field === "body") return value.body.trim() ? clip(value.body) : "empty";
  if (!factcheck) return "empty";
  if (field === "claim") return clip(factcheck.claim);
  if (field === "verdict") return VERDICT_LABELS[factcheck.verdict];
  if (field === "confidence") return factcheck.confidence === undefined ? "not stated" : `${Math.round(factcheck.confidence * 100)}%`;
  const n = factcheck.sources.length;
  return n === 0 ? "no sources" : factcheck.sources.map((s) => s.title || s.url).join(", ");
}

const clip = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}…` : text);
