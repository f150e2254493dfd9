import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/*
 * Updates as a crafted client would write them, which Yjs's own encoder never does: the fuzzing corpus
 * (test/reliability/support/seed-updates.ts) and the authorizer's map-entry tests use them.
 */

/** How one item of an update is changed: placed with no origin, carried as deleted content, or given other values. */
export type Craft = { origin?: Y.ID | null; deleted?: boolean; value?: unknown; values?: unknown[] };

/**
 * The update `client` made since `since`, re-encoded from its own structs with
 * some items changed as a crafted client would: placed with no origin,
 * carried as deleted content, given another value. `ds` replaces its delete set.
 */
export function crafted(client: Y.Doc, since: Uint8Array, crafts: Map<number, Craft>, ds?: Array<[number, number, number]>): Uint8Array {
  const from = Y.decodeStateVector(since).get(client.clientID) ?? 0;
  const structs = (client.store.clients.get(client.clientID) ?? []).filter((s) => s.id.clock >= from);
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoding.writeVarUint(encoder.restEncoder, structs.length);
  encoder.writeClient(client.clientID);
  encoding.writeVarUint(encoder.restEncoder, from);
  for (const struct of structs) {
    const craft = crafts.get(struct.id.clock);
    if (!craft || !(struct instanceof Y.Item)) {
      struct.write(encoder, 0);
      continue;
    }
    const content = craft.deleted
      ? new Y.ContentDeleted(struct.length)
      : craft.values
        ? new Y.ContentAny(craft.values)
        : "value" in craft
          ? new Y.ContentAny([craft.value])
          : struct.content;
    const origin = craft.origin === undefined ? struct.origin : craft.origin;
    new Y.Item(struct.id, null, origin, null, origin ? struct.rightOrigin : null, struct.parent, struct.parentSub, content).write(encoder, 0);
  }
  const ranges = ds ?? [...Y.decodeUpdate(Y.encodeStateAsUpdate(client, since)).ds.clients].flatMap(([c, rs]) => rs.map((r) => [c, r.clock, r.len] as [number, number, number]));
  const byClient = new Map<number, Array<[number, number, number]>>();
  for (const range of ranges) byClient.set(range[0], [...(byClient.get(range[0]) ?? []), range]);
  encoding.writeVarUint(encoder.restEncoder, byClient.size);
  for (const [c, rs] of byClient) {
    encoding.writeVarUint(encoder.restEncoder, c);
    encoding.writeVarUint(encoder.restEncoder, rs.length);
    for (const [, clock, len] of rs) {
      encoding.writeVarUint(encoder.restEncoder, clock);
      encoding.writeVarUint(encoder.restEncoder, len);
    }
  }
  return encoder.toUint8Array();
}

