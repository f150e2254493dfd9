import * as Y from "yjs";
import { annotationsOf, itemAt } from "@marginalia/schema";

const REMEMBERED = new Set(["draft", "pending", "published"]);

/**
 * Records, on each annotation a transaction hid, the status it had before (`hiddenFrom`, docs/sync.md,
 * "4. The document layout"), and clears it on each one brought back: an unhide restores that status, so that a
 * draft or pending verdict is not published by hiding it and unhiding it. Whoever hid it (a moderator's
 * socket, the REST hide, a review), the server writes the mark, as it writes `editedAt`: clients may not.
 *
 * Judged after the transaction, while the value the status replaced is still readable: Yjs garbage-collects
 * it before the document's update event. Returns whether anything was written.
 */
export function rememberHiddenFrom(tr: Y.Transaction): boolean {
  const root = annotationsOf(tr.doc) as unknown as Y.AbstractType<unknown>;
  const marks: Array<[Y.Map<unknown>, string | null]> = [];
  for (const [type, keys] of tr.changed) {
    if (!(type instanceof Y.Map) || type._item?.parent !== root || !keys.has("status")) continue;
    const map = type as Y.Map<unknown>;
    if (map.get("status") !== "hidden") {
      if (map.get("hiddenFrom") != null) marks.push([map, null]);
      continue;
    }
    const before = previousValue(map, "status");
    if (typeof before === "string" && REMEMBERED.has(before) && map.get("hiddenFrom") !== before) marks.push([map, before]);
  }
  if (marks.length === 0) return false;
  // Nested: Yjs runs it once this transaction is cleaned up, before anything else can change the document.
  tr.doc.transact(() => {
    for (const [map, status] of marks) {
      if (status === null) map.delete("hiddenFrom");
      else map.set("hiddenFrom", status);
    }
  }, { userId: null });
  return true;
}

/** The value `key` held before the transaction replaced it, while its content has not been collected yet. */
function previousValue(map: Y.Map<unknown>, key: string): unknown {
  const left = itemAt(map, key)?.left;
  return left && left.content instanceof Y.ContentAny ? left.content.arr.at(-1) : undefined;
}
