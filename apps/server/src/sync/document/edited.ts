import * as Y from "yjs";
import { type Room, annotationsOf, itemAt, readAnnotation, sameFactcheck, statusAfterEdit, updateAnnotation } from "@marginalia/schema";
import type { ChangeOrigin } from "./document.ts";

/**
 * How close together two stamps of one annotation may be: a client that writes its body a keystroke at a
 * time gets one stamp in this long, not one per keystroke, and the time shown is that close to the last edit.
 */
const RESTAMP_AFTER_MS = 2_000;

/**
 * How long after an annotation reaches the server from a socket catching up its changes are not edits:
 * work written offline and edited before reconnecting arrives as its creation and its edits a moment
 * apart (a sync step 2 taken in pieces, an edit sent before the step 2 it builds on), and nobody read the
 * first version in between. An annotation posted live was read by the others at once, so its edits are
 * edits however soon they follow. By the server's clock; an annotation's own createdAt is its writer's to set.
 */
const NEW_FOR_MS = 2_000;

const isNew = (item: Y.Item, tr: Y.Transaction) => item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0);

/** When each annotation made lately reached the server, per document (`NEW_FOR_MS`). */
const arrivals = new WeakMap<Y.Doc, Map<string, number>>();

function noteArrivals(doc: Y.Doc, tr: Y.Transaction, now: number) {
  const root = annotationsOf(doc) as unknown as Y.AbstractType<unknown>;
  const made = [...(tr.changed.get(root as Y.AbstractType<Y.YEvent<any>>) ?? [])].filter((id): id is string => {
    const item = typeof id === "string" ? itemAt(root, id) : undefined;
    return !!item && !item.deleted && isNew(item, tr);
  });
  if (made.length === 0) return;
  let seen = arrivals.get(doc);
  if (!seen) arrivals.set(doc, (seen = new Map()));
  // Kept in arrival order: the expired ones come first, so the pass stops at the first that is not.
  for (const [id, at] of seen) {
    if (now - at < NEW_FOR_MS) break;
    seen.delete(id);
  }
  for (const id of made) seen.set(id, now);
}

/**
 * The annotations whose text, as their author wrote it, a transaction changed: the body, or the fact-check
 * written with another value. One made in the same transaction was never read as first written, so it is
 * not edited.
 */
export function editedIn(doc: Y.Doc, tr: Y.Transaction): string[] {
  const root = annotationsOf(doc) as unknown as Y.AbstractType<unknown>;
  const ids = new Set<string>();
  const annotationOf = (map: Y.AbstractType<unknown> | null) => {
    const item = map?._item;
    if (!item || item.parent !== root || typeof item.parentSub !== "string" || isNew(item, tr)) return;
    ids.add(item.parentSub);
  };
  for (const [type, keys] of tr.changed) {
    // Typed into (changes to a text made in this transaction are not recorded, so it was there before).
    if (type instanceof Y.Text && type._item?.parentSub === "body") annotationOf(type._item.parent as Y.AbstractType<unknown>);
    else if (type instanceof Y.Map && type._item?.parent === root) {
      if (keys.has("body") || (keys.has("factcheck") && factcheckChanged(type as Y.Map<unknown>))) annotationOf(type as Y.AbstractType<unknown>);
    }
  }
  return [...ids];
}

/** Whether the fact-check now at the key reads differently from the one it replaced. */
function factcheckChanged(map: Y.Map<unknown>): boolean {
  const item = itemAt(map, "factcheck");
  const before = item?.left;
  if (!item || !before || !(before.content instanceof Y.ContentAny) || item.deleted) return true;
  return !sameFactcheck(map.get("factcheck"), before.content.arr.at(-1));
}

/**
 * Stamps `editedAt` (docs/sync.md, layout) on what `writer`'s change edited, as the server: clients may not
 * write it, so the mark can be neither left off nor erased nor dated at will. Called from the document's
 * update handler; Yjs runs the nested transaction right after the one that edited, before the change's
 * caller goes on, so REST answers with the mark. Returns what the change edited.
 */
export function stampEdits(doc: Y.Doc, tr: Y.Transaction, writer: string, catchingUp: boolean): string[] {
  const now = Date.now();
  // Only what a client sent on reconnecting arrives new: the server's own moves (a hide undone, an approval)
  // bring back old work, and what a socket sends live reaches its readers as it is written.
  if (catchingUp) noteArrivals(doc, tr, now);
  const edited = editedIn(doc, tr);
  if (edited.length === 0) return edited;
  const arrived = arrivals.get(doc);
  const due = edited.filter((id) => {
    const since = arrived?.get(id);
    if (since !== undefined && now - since < NEW_FOR_MS) return false;
    const previous = annotationsOf(doc).get(id)?.get("editedAt");
    return typeof previous !== "number" || now - previous >= RESTAMP_AFTER_MS;
  });
  // Sent out once stored, as every change of the server's own (server-writes.ts).
  if (due.length > 0) stamp(doc, due, now, { userId: writer });
  return edited;
}

/**
 * Gives what `writer` (an account, and the member id it wrote under) just edited the status the policy asks
 * for after an edit (`statusAfterEdit`): a rejected submission its author rewrites is submitted again, by
 * whichever path the edit came, so the commit tells the moderators of it as of any new submission
 * (hooks/submissions.ts). The last rejection's reason goes with the status it explained.
 */
export function resubmitEdits(doc: Y.Doc, edited: readonly string[], room: Room["kind"], writer: { userId: string; memberId: string }) {
  const steps = edited.flatMap((id) => {
    const map = annotationsOf(doc).get(id);
    const status = map ? statusAfterEdit(room, readAnnotation(map), writer.memberId) : null;
    return status ? [{ id, status }] : [];
  });
  if (steps.length === 0) return;
  const origin = { userId: writer.userId, memberId: writer.memberId };
  doc.transact(() => {
    for (const { id, status } of steps) updateAnnotation(doc, id, { status, rejectionReason: null }, origin);
  }, origin);
}

/**
 * Sends back to review a rejection made here that its author's rewrite crossed: a change from another process
 * (`tr`) edited a submission whose status still reads as this process's own rejection (docs/architecture.md,
 * "More than one process"). The process that took the edit had not heard of the rejection, or it would have
 * resubmitted the edit itself (`resubmitEdits`), and this one had not heard of the edit when it rejected, or the
 * edit would not be new here: the rejection was of the text before. Without this the rejection's status won the
 * merge over the rewrite, which stayed rejected in no queue, unknown to the moderators. Only the rejecting process
 * makes the change, so one process stores it and tells the moderators, and the others receive it.
 */
export function resubmitCrossed(doc: Y.Doc, tr: Y.Transaction, room: Room["kind"], accountOf: (memberId: string) => string | null) {
  if (room !== "private") return;
  for (const id of editedIn(doc, tr)) {
    const map = annotationsOf(doc).get(id);
    const rejection = map && itemAt(map as unknown as Y.AbstractType<unknown>, "status");
    if (!rejection || rejection.id.client !== doc.clientID || map.get("status") !== "rejected") continue;
    const memberId = map.get("authorId") as string;
    const userId = accountOf(memberId);
    if (userId) resubmitEdits(doc, [id], room, { userId, memberId });
  }
}

/** Stamps written in one transaction; the rest follow in later turns (4,000 at once held the loop 100 ms more). */
const STAMPS_PER_TURN = 250;

function stamp(doc: Y.Doc, ids: readonly string[], now: number, origin: ChangeOrigin) {
  doc.transact(() => {
    for (const id of ids.slice(0, STAMPS_PER_TURN)) annotationsOf(doc).get(id)?.set("editedAt", now);
  }, origin);
  // A document destroyed meanwhile has no listeners left: a late stamp on it is stored nowhere and sent to no one.
  if (ids.length > STAMPS_PER_TURN) setImmediate(() => stamp(doc, ids.slice(STAMPS_PER_TURN), now, origin));
}
