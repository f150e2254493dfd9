import type * as Y from "yjs";
import { type AnnotationValue, annotationsOf, itemAt, normalHttpUrl, readAnnotation, writeAnnotation } from "@marginalia/schema";

/**
 * The server judges an update whole (docs/sync.md, "What you may write"), and a refused one leaves our copy
 * built on what it never accepted, so the copy is dropped (doc-session.ts). After a stretch offline that
 * update is everything written meanwhile: one edit the server now refuses (a fact-check a moderator
 * published meanwhile is locked) took every comment written beside it. What the dropped copy holds that the
 * server never had can only be our own new work, and a new annotation builds on nothing of the old copy, so
 * it is written again into the fresh one. Edits of what the server has are not: the server's copy may have
 * moved on, and writing ours over it would undo someone else's change.
 */

/** The annotations of a copy about to be dropped. */
export function annotationValues(doc: Y.Doc): Map<string, AnnotationValue> {
  const values = new Map<string, AnnotationValue>();
  annotationsOf(doc).forEach((map, id) => values.set(id, readAnnotation(map)));
  return values;
}

/**
 * Writes into `doc`, the server's copy just received, those of `dropped` it never had, in one transaction
 * with `origin`; returns how many. An id the server's copy ever held, deleted since or moved to another
 * document (hidden, approved), is its history, not our new work, and stays as the server has it. A reply
 * goes along only if its thread still takes replies, here or among what is written again.
 */
export function writeAgain(doc: Y.Doc, dropped: ReadonlyMap<string, AnnotationValue>, origin: unknown): number {
  const annotations = annotationsOf(doc);
  // Y.Map keeps a key's last item after a delete, so this tells "never here" from "deleted since".
  const everHeld = (id: string) => itemAt(annotations, id) !== undefined;
  const fresh = new Map([...dropped].filter(([id]) => !everHeld(id)));
  const takesReplies = (id: string) => {
    const live = annotations.get(id);
    const parent = live ? readAnnotation(live) : fresh.get(id);
    return !!parent && !parent.parentId && parent.status !== "hidden" && parent.status !== "rejected";
  };
  const kept = [...fresh.values()].filter((value) => !value.parentId || takesReplies(value.parentId)).map(inNormalForm);
  if (kept.length) doc.transact(() => kept.forEach((value) => writeAnnotation(doc, value)), origin);
  return kept.length;
}

/**
 * A fact-check's source addresses in the normal form the server requires of a live write (normalHttpUrl):
 * work written offline by an earlier version of this app kept addresses as the browser serialized them
 * (`|`, `^`, a stray `%`), and written again as they were, it would be refused again, and lost.
 */
function inNormalForm(value: AnnotationValue): AnnotationValue {
  if (!value.factcheck) return value;
  const sources = value.factcheck.sources.map((source) => ({ ...source, url: normalHttpUrl(source.url) ?? source.url }));
  return { ...value, factcheck: { ...value.factcheck, sources } };
}
