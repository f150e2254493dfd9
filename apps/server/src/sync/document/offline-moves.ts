import * as Y from "yjs";
import { type TextTarget, annotationsOf, itemAt } from "@marginalia/schema";
import type { ClientIds } from "../authorize/client-ids.ts";

/**
 * How many earlier values of a target are looked through to tell whether the value that won was written
 * after the one that lost. Any value between them arrived in the same transaction (see `writtenAfter`).
 */
const HISTORY_STEPS = 32;

/**
 * Keeps a person's move of a target, written on an earlier revision of the text, that lost to a target
 * written meanwhile on a later revision by someone who had not seen it: what the author moved while offline
 * (or while their server was still reading the correction), and what the server wrote moving the old target
 * onto the correction (anchoring/reanchor.ts). Both write one key of one map, and Yjs keeps one of two
 * concurrent values by comparing their writers' client ids: the author's move was lost whenever the server's
 * id sorted higher. The move the author made is what they meant; the server's stood in for the old target.
 * So the lost value is written again, as a change of the server's own that comes after both, and moved onto
 * the current revision with every other target on an earlier one (docs/sync.md, "What you may write").
 *
 * Judged after each transaction that brought content in (`from`): a socket's update, whose new values are a
 * person's, or another process's, where only values under a member's client id count, so that the server
 * processes do not take turns writing each other's values again. Returns whether anything was written, or
 * what went wrong: it runs inside Yjs's clean-up of a change already applied and stored, which a throw here
 * would not undo but would report to the change's sender as its own failure.
 */
export function keepOfflineMoves(tr: Y.Transaction, from: "socket" | "process", clientIds: ClientIds): boolean | Error {
  try {
    return keepMoves(tr, from, clientIds);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function keepMoves(tr: Y.Transaction, from: "socket" | "process", clientIds: ClientIds): boolean {
  const byPerson = (item: Y.Item) =>
    from === "socket" ? item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0) : clientIds.heldByMember(item.id.client);
  const lost = tr.deleteSet.clients.size === 0 ? [] : lostMoves(tr, byPerson);
  const reopened = orphansMovedSince(tr);
  if (lost.length === 0 && reopened.length === 0) return false;
  const annotations = annotationsOf(tr.doc);
  // Nested: Yjs runs it once this transaction is cleaned up, before anything else can change the document.
  tr.doc.transact(() => {
    for (const { id, target, over } of lost) {
      const map = annotations.get(id);
      if (map && map.get("target") === over) map.set("target", target);
    }
    for (const id of reopened) annotations.get(id)?.set("anchor", null);
  }, { userId: null });
  return true;
}

/**
 * Annotations whose target this transaction changed to one on an earlier revision than the one their orphan
 * mark was given on: the mark judged the old target, which is gone, and re-anchoring leaves orphans it has
 * judged on the current revision alone (anchoring/reanchor.ts). Cleared, so that the new target is moved
 * like any other on an earlier revision: the author who moved a highlight offline from a passage that the
 * correction then deleted lost the move.
 */
function orphansMovedSince(tr: Y.Transaction): string[] {
  const root = annotationsOf(tr.doc) as unknown as Y.AbstractType<unknown>;
  const ids: string[] = [];
  for (const [type, keys] of tr.changed) {
    const item = type._item;
    if (!keys.has("target") || !(type instanceof Y.Map) || !item || item.parent !== root || typeof item.parentSub !== "string") continue;
    const target = type.get("target") as TextTarget | null | undefined;
    const anchor = type.get("anchor") as { state?: string; revision?: number } | null | undefined;
    if (target && anchor?.state === "orphaned" && (anchor.revision ?? 0) > target.revision) ids.push(item.parentSub);
  }
  return ids;
}

type LostMove = { id: string; target: TextTarget; over: unknown };

/** Targets on an earlier revision that `tr` deleted because a concurrent value on a later revision won. */
function lostMoves(tr: Y.Transaction, byPerson: (item: Y.Item) => boolean): LostMove[] {
  const root = annotationsOf(tr.doc) as unknown as Y.AbstractType<unknown>;
  const lost = new Map<string, LostMove>();
  Y.iterateDeletedStructs(tr, tr.deleteSet, (struct) => {
    if (!(struct instanceof Y.Item) || struct.parentSub !== "target" || !(struct.content instanceof Y.ContentAny)) return;
    const map = struct.parent as Y.AbstractType<unknown>;
    const annotation = map._item;
    if (!annotation || annotation.deleted || annotation.parent !== root || typeof annotation.parentSub !== "string") return;
    const winner = itemAt(map, "target");
    if (!winner || winner === struct || winner.deleted || !(winner.content instanceof Y.ContentAny)) return;
    const target = struct.content.arr.at(-1) as TextTarget | null;
    const over = winner.content.arr.at(-1) as TextTarget | null;
    if (!target || !over || !(target.revision < over.revision)) return;
    if (!byPerson(struct) || writtenAfter(tr.doc, winner, struct)) return;
    lost.set(annotation.parentSub, { id: annotation.parentSub, target, over });
  });
  return [...lost.values()];
}

/**
 * Whether `winner` was written by someone who had seen `loser`: its chain of earlier values reaches it. Older
 * values are garbage-collected, but none between the two can be. If `loser` arrived in this transaction, a
 * value written after it arrived with it; if it was here before, it was still the value until this
 * transaction, so whatever overwrote it after seeing it arrived in this transaction too.
 */
function writtenAfter(doc: Y.Doc, winner: Y.Item, loser: Y.Item): boolean {
  let at: Y.Item = winner;
  for (let step = 0; step < HISTORY_STEPS; step++) {
    const origin = at.origin;
    if (!origin) return false;
    if (Y.compareIDs(origin, loser.id)) return true;
    const before = Y.getItem(doc.store, origin);
    // Collected, so deleted before this transaction: the chain went past where `loser` could be.
    if (!(before instanceof Y.Item) || before.parentSub !== "target") return false;
    at = before;
  }
  return true;
}
