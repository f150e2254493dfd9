import * as Y from "yjs";

/**
 * Which user writes under each Yjs client id of a loaded document.
 *
 * Yjs skips a struct whose clock it already has. Without this register, an
 * annotator could write their own, allowed content under another member's
 * client id at that member's next clocks; the member's real edits at those
 * clocks would then be skipped as already seen, and acknowledged all the
 * same. So an id belongs to the first user seen writing under it (or showing
 * presence with it, as a y-websocket client does on connecting), and nobody
 * else may write under it while the document stays loaded.
 *
 * In memory only: after an unload or a restart the register starts empty and
 * is claimed again as clients return (see the closing note of issue 8).
 */
export class ClientIds {
  private readonly owners = new Map<number, string>();

  constructor(serverClientId: number) {
    this.owners.set(serverClientId, SERVER);
  }

  ownerOf(clientId: number): string | undefined {
    return this.owners.get(clientId);
  }

  /** True when `clientId` is free or already `userId`'s, and it is now theirs. */
  claim(clientId: number, userId: string): boolean {
    const owner = this.owners.get(clientId);
    if (owner === undefined) this.owners.set(clientId, userId);
    return owner === undefined || owner === userId;
  }

  /** A client id under which `update` writes something new that is not `userId`'s to write. */
  takenIn(doc: Y.Doc, update: Uint8Array, userId: string): number | null {
    for (const client of writtenClients(doc, update)) {
      const owner = this.owners.get(client);
      if (owner !== undefined && owner !== userId) return client;
    }
    return null;
  }
}

/** The owner recorded for the server's own client id (REST writes, approvals, re-anchoring). */
const SERVER = "server";

/** The client ids under which `update` carries structs beyond what `doc` holds. */
export function writtenClients(doc: Y.Doc, update: Uint8Array): number[] {
  const { to } = Y.parseUpdateMeta(update);
  return [...to].filter(([client, clock]) => clock > Y.getState(doc.store, client)).map(([client]) => client);
}
