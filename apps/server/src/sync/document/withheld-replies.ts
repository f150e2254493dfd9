import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { annotationsOf, withheldOf } from "@marginalia/schema";
import type { DocContext } from "../persist/projection.ts";
import { writeDeleteRanges } from "./state-slices.mjs";
import { touchedAnnotations } from "./touched.ts";

/** What a shared document's sockets are sent of a socket's or another process's change: no reply to a hidden thread. */
export function forMembers(context: Pick<DocContext, "visibility">, update: Uint8Array, tr: Y.Transaction): Uint8Array {
  if (context.visibility !== "group" || withheldOf(tr.doc).size === 0) return update;
  const replies = withheldReplies(tr.doc, touchedAnnotations(tr.doc, tr));
  return replies.size === 0 ? update : withoutAnnotations(tr.doc, update, replies);
}

/**
 * Touched annotations of a group document that its sockets may not be sent: replies to a thread a moderator
 * hid (its id in `withheld`). Such a reply, sent offline or in the instant of the hide, is taken and then moved
 * after its thread into the hidden document (hiding.ts); until it is, it stays out of what members are sent
 * (docs/sync.md, "1. Find the rooms").
 */
export function withheldReplies(doc: Y.Doc, touched: ReadonlySet<string>): Set<string> {
  const ids = new Set<string>();
  const withheld = withheldOf(doc);
  if (withheld.size === 0 || touched.size === 0) return ids;
  const annotations = annotationsOf(doc);
  for (const id of touched) {
    const parentId = annotations.get(id)?.get("parentId");
    if (typeof parentId === "string" && withheld.has(parentId)) ids.add(id);
  }
  return ids;
}

/**
 * `update`, applied to `doc` already, with every struct that lies in one of the `ids` annotations (their map,
 * and everything inside it) turned into garbage of the same ids and length: what a Yjs document sends of
 * deleted content. Members' copies then hold the clocks, so that the writer's later updates still apply
 * there, and not the content.
 */
export function withoutAnnotations(doc: Y.Doc, update: Uint8Array, ids: ReadonlySet<string>): Uint8Array {
  const { structs, ds } = Y.decodeUpdate(update);
  const root = annotationsOf(doc) as unknown as Y.AbstractType<unknown>;
  const inside = (struct: Y.Item): boolean => {
    const kept = doc.store.clients.get(struct.id.client);
    if (!kept) return false;
    let item: Y.Item | Y.GC | null = kept[Y.findIndexSS(kept, struct.id.clock)] ?? null;
    while (item instanceof Y.Item) {
      const parent = item.parent as Y.AbstractType<unknown> | null;
      if (parent === root) return typeof item.parentSub === "string" && ids.has(item.parentSub);
      item = parent?._item ?? null;
    }
    return false;
  };
  const byClient = new Map<number, Array<Y.Item | Y.GC | Y.Skip>>();
  for (const struct of structs as Array<Y.Item | Y.GC | Y.Skip>) {
    const kept = struct instanceof Y.Item && inside(struct) ? new Y.GC(struct.id, struct.length) : struct;
    const list = byClient.get(struct.id.client) ?? [];
    list.push(kept);
    byClient.set(struct.id.client, list);
  }
  // As Yjs writes an update (writeClientsStructs, writeDeleteSet): clients in descending order, each run from its first clock.
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, byClient.size);
  for (const [client, list] of [...byClient].sort((a, b) => b[0] - a[0])) {
    encoding.writeVarUint(encoder.restEncoder, list.length);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, list[0]!.id.clock);
    for (const struct of list) struct.write(encoder, 0);
  }
  writeDeleteRanges(encoder, [...ds.clients].sort((a, b) => b[0] - a[0]));
  return encoder.toUint8Array();
}
