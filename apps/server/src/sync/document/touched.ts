import * as Y from "yjs";
import { ROOTS, parseVoteKey } from "@marginalia/schema";

/** The ids of the annotations a transaction changed, found from the types it touched. */
export function touchedAnnotations(doc: Y.Doc, tr: Y.Transaction): Set<string> {
  const root: Y.AbstractType<any> = doc.getMap(ROOTS.annotations);
  const votes: Y.AbstractType<any> = doc.getMap(ROOTS.votes);
  const ids = new Set<string>();
  for (const [type, keys] of tr.changed) {
    if (type === votes) {
      // A vote changes its annotation's counts.
      for (const key of keys) {
        const vote = key === null ? null : parseVoteKey(key);
        if (vote) ids.add(vote.annotationId);
      }
      continue;
    }
    if (type === root) {
      for (const key of keys) if (key !== null) ids.add(key);
      continue;
    }
    let t: Y.AbstractType<any> | null = type;
    while (t?._item && t._item.parent !== root) t = t._item.parent as Y.AbstractType<any>;
    if (t?._item?.parentSub) ids.add(t._item.parentSub);
  }
  return ids;
}
