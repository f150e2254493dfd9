import * as Y from "yjs";
import { MAX_BODY_LENGTH, MAX_NOTES_LENGTH, annotationsOf, notesOf } from "@marginalia/schema";
import type { LiveDocument } from "../document/document.ts";

/**
 * Puts back the length limits that two processes' edits can pass together. Each process judges an insert
 * against its own copy (authorize.ts): one member's sockets on two processes inserting 15,000 characters into
 * one body at the same moment were each within 20,000, and merged into a body of 30,001 that every reader,
 * export and later load then held. A process that receives such a merge (from the relay) cuts the text back
 * to its limit, at the end, as a change of the server's own. Every process that sees the merge cuts the same
 * characters of the same merged copy, and a deletion made twice is one deletion.
 */
export function cutMergedToLimits(live: LiveDocument, touched: ReadonlySet<string>) {
  const doc = live.doc;
  const annotations = annotationsOf(doc);
  const texts: Array<[Y.Text, number]> = [];
  for (const id of touched) {
    const body = annotations.get(id)?.get("body");
    if (body instanceof Y.Text && body.length > MAX_BODY_LENGTH) texts.push([body, MAX_BODY_LENGTH]);
  }
  const notes = notesOf(doc);
  if (notes.length > MAX_NOTES_LENGTH) texts.push([notes, MAX_NOTES_LENGTH]);
  if (texts.length === 0) return;
  // After the remote update's own transaction, as a change of its own.
  setImmediate(() => {
    if (live.isDestroyed) return;
    void live
      .change({ userId: null }, () => {
        for (const [text, limit] of texts) {
          if (text.length <= limit) continue;
          const keep = keepWhole(text, limit);
          text.delete(keep, text.length - keep);
        }
      })
      .catch(() => {}); // not stored: the next load still holds the merge, and the next remote change cuts it again
  });
}

/** Where to cut `text` to at most `limit` UTF-16 units without splitting a surrogate pair. */
function keepWhole(text: Y.Text, limit: number): number {
  const last = text.toString().charCodeAt(limit - 1);
  return last >= 0xd800 && last <= 0xdbff ? limit - 1 : limit;
}
