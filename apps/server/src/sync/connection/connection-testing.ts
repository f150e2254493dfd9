import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { type Actor, MESSAGE_SYNC, notesOf } from "@marginalia/schema";
import { createLogger } from "../../logger.ts";
import { AccountLimits } from "./account-limits.ts";
import { articleId } from "../authorize/authorize-testing.ts";
import { Connection } from "./connection.ts";
import type { HeldTuning } from "./held-updates.ts";
import { LiveDocument } from "../document/document.ts";
import { updateMessage } from "./messages.ts";

const context = (docName: string) => ({ docName, articleId, groupId: "g", visibility: "group" as const, revision: 1 });

/**
 * For tests: a document that records what it stores, and a way to open sockets on it (sharing what a hub's
 * share: `limits`). `held`: how the sockets judge and join held updates (held-updates.ts).
 */
export function room(name: string, { limits = new AccountLimits(), held }: { limits?: AccountLimits; held?: HeldTuning } = {}) {
  const stored: Uint8Array[] = [];
  const live = new LiveDocument(context(name), { persist: (_live, update) => (stored.push(update), Promise.resolve()) });
  /**
   * `admitting`: what happens to the socket before it opens (an access event during its admission, say).
   * `account`: the user account behind the member id (the same in a group not anonymous to peers).
   */
  const join = (who: Actor, acks = false, admitting?: (connection: Connection) => void, roles = false, account = who.userId) => {
    const sent: Uint8Array[] = [];
    const closes: number[] = [];
    const connection = new Connection(
      { send: (m) => void sent.push(m), close: (code) => void closes.push(code) },
      { acks, roles, logger: createLogger("silent"), maxBuffered: 64, limits, held },
    );
    admitting?.(connection);
    connection.open(live, who, { id: who.userId, name: who.userId, color: "red" }, account);
    return { connection, sent, closes };
  };
  return { live, stored, join };
}

/** What a socket was sent, applied to a client document of its own. */
export function received(sent: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const message of sent) {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) continue;
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, null);
  }
  return doc;
}

/** A writer's edits to the notes, `count` times `word`, one update message each, as its socket would send them. */
export function typing(count: number, word: string): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(updateMessage(u)));
  for (let i = 0; i < count; i++) notesOf(doc).insert(notesOf(doc).length, word);
  return updates;
}

/** How many times `word` is in the document's notes. */
export const applied = (live: LiveDocument, word: string) => notesOf(live.doc).toString().split(word).length - 1;

/** Turns of the event loop until the document stops changing (messages past a turn's share wait for the next). */
export async function quiet(live: LiveDocument) {
  for (let still = 0, last = -1; still < 5; ) {
    await new Promise((resolve) => setImmediate(resolve));
    still = live.changeCount === last ? still + 1 : 0;
    last = live.changeCount;
  }
}
