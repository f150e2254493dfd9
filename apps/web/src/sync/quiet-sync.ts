import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import type { IndexeddbPersistence } from "y-indexeddb";
import type { WebsocketProvider } from "y-websocket";

type UpdateListener = (update: Uint8Array, origin: unknown) => void;

const MESSAGE_SYNC = 0;

/**
 * Applies what the server sends without Yjs encoding it a second time.
 *
 * Yjs encodes every transaction again for the doc's "update" listeners.
 * Ours (the provider's, which forwards local edits, and the session's, which
 * counts them) ignore what comes from the server, and IndexedDB only needs
 * the bytes, which the message already holds. For a document with thousands
 * of annotations that second encoding cost as much as decoding the first
 * sync, on the way to the first painted highlight. So the listeners step
 * aside while a server message is applied, and IndexedDB is handed the
 * received bytes, as its own listener would have stored them.
 */
export function applyServerSyncQuietly(provider: WebsocketProvider, persistence: IndexeddbPersistence, listeners: UpdateListener[]) {
  const doc = provider.doc;
  const apply = provider.messageHandlers[MESSAGE_SYNC]!;
  provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, p, emitSynced, messageType) => {
    const peek = decoding.clone(decoder);
    const step = decoding.readVarUint(peek);
    const update = step === syncProtocol.messageYjsSyncStep2 || step === syncProtocol.messageYjsUpdate ? decoding.readVarUint8Array(peek) : null;
    if (!update) return apply(encoder, decoder, p, emitSynced, messageType);
    const quiet = [provider._updateHandler, persistence._storeUpdate, ...listeners];
    quiet.forEach((fn) => doc.off("update", fn));
    try {
      apply(encoder, decoder, p, emitSynced, messageType);
    } finally {
      quiet.forEach((fn) => doc.on("update", fn));
    }
    // Stored whole: IndexedDB's copy merges updates when it loads, as it does the ones it records itself.
    persistence._storeUpdate(update, provider);
  };
}
