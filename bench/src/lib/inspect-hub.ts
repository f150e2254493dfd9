// What the sync core holds, read from inside a bench server process for memory-per-annotation.ts. It
// reaches into private fields on purpose: these are the places that could grow, and the core has no
// reason to publish them.
import * as Y from "yjs";
import { annotationsOf } from "@marginalia/schema";
import type { LiveDocument } from "@marginalia/server/sync/document/document.ts";
import type { SyncHub } from "@marginalia/server/sync/hub.ts";

export type DocumentHoldings = {
  name: string;
  annotations: number;
  /** The document's state as Yjs encodes it: the floor for what holding it costs. */
  stateBytes: number;
  /** Structs in the Y.Doc's store, deleted ones (tombstones) included. */
  structs: number;
  /** Bytes still waiting to be built into the Y.Doc (a cold document). */
  coldBytes: number;
  peers: number;
  clientIdClaims: number;
  awarenessStates: number;
  /** Clocks y-protocols keeps for every awareness client id ever seen, present or gone. */
  awarenessMeta: number;
  members: number;
  answerers: number;
  /** Updates queued for the next fan-out flush. */
  fanoutPending: number;
};

export type HubHoldings = {
  documents: DocumentHoldings[];
  sockets: number;
  /** Per-user socket counts, an entry per account that ever connected unless emptied. */
  perUser: number;
  logRowCounters: number;
  commitQueue: number;
  recentAccess: number;
  /** Updates held by sockets until the content they build on arrives, and their bytes. */
  heldUpdates: number;
  heldBytes: number;
};

type Internals = {
  documents: { all(): LiveDocument[] };
  connections: Set<{ updates: { held: { length: number; bytes: number } } }>;
  perUser: Map<string, number>;
  compaction: { logRows: Map<string, number> };
  openAccess: { recentAccess: unknown[] };
};

export function inspectHub(hub: SyncHub): HubHoldings {
  const internals = hub as unknown as Internals;
  const documents: DocumentHoldings[] = [];
  for (const loaded of internals.documents.all()) {
    const live = loaded as unknown as Pick<LiveDocument, "name" | "isCold" | "peers" | "awareness" | "answerers"> & {
      cold: Uint8Array | null;
      ydoc: Y.Doc;
      clientIds: { owners: Map<number, string> };
      members: { accounts?: Map<string, string> };
      fanout: { pending: unknown[] };
    };
    let structs = 0;
    for (const list of live.ydoc.store.clients.values()) structs += list.length;
    documents.push({
      name: live.name,
      annotations: live.isCold ? -1 : annotationsOf(live.ydoc).size,
      stateBytes: live.isCold ? (live.cold?.byteLength ?? 0) : Y.encodeStateAsUpdate(live.ydoc).byteLength,
      structs,
      coldBytes: live.cold?.byteLength ?? 0,
      peers: live.peers.size,
      clientIdClaims: live.clientIds.owners.size,
      awarenessStates: live.awareness.getStates().size,
      awarenessMeta: live.awareness.meta.size,
      members: sizeOf(live.members),
      answerers: live.answerers.size,
      fanoutPending: live.fanout.pending.length,
    });
  }
  let heldUpdates = 0;
  let heldBytes = 0;
  for (const c of internals.connections) {
    heldUpdates += c.updates.held.length;
    heldBytes += c.updates.held.bytes;
  }
  return {
    documents,
    sockets: internals.connections.size,
    perUser: internals.perUser.size,
    logRowCounters: internals.compaction.logRows.size,
    commitQueue: hub.committer.pending,
    recentAccess: internals.openAccess.recentAccess.length,
    heldUpdates,
    heldBytes,
  };
}

/** The largest Map or Set among an object's own fields: MemberIds keeps its ids in such. */
function sizeOf(holder: object): number {
  let size = 0;
  for (const value of Object.values(holder)) if (value instanceof Map || value instanceof Set) size = Math.max(size, value.size);
  return size;
}
