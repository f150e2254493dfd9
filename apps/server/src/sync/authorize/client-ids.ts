import * as Y from "yjs";
import { endClocks } from "../validate/decoded-update.ts";

/**
 * Which user writes under each Yjs client id of a document.
 *
 * Yjs skips a struct whose clock it already has. Without this register, an
 * annotator could write their own, allowed content under another member's
 * client id at that member's next clocks; the member's real edits at those
 * clocks would then be skipped as already seen, and acknowledged all the
 * same. So an id belongs to the first user seen writing under it (or showing
 * presence with it, as a y-websocket client does on connecting), and nobody
 * else may write under it.
 *
 * Claims outlive the loaded document: each new one is reported (`onClaim`)
 * and kept beside the log (client-id-store.ts), and a load starts from what
 * was kept, so that after an unload or a restart nobody can claim a member's
 * id before that member returns.
 */
export class ClientIds {
  private readonly owners = new Map<number, string>();
  /** Told of each first claim, to keep it. */
  onClaim: (clientId: number, userId: string) => void = () => {};

  constructor(serverClientId: number) {
    this.owners.set(serverClientId, SERVER);
  }

  ownerOf(clientId: number): string | undefined {
    return this.owners.get(clientId);
  }

  /** Whether a member writes under `clientId`: neither this server nor an id nobody has claimed here (another process's server). */
  heldByMember(clientId: number): boolean {
    const owner = this.owners.get(clientId);
    return owner !== undefined && owner !== SERVER;
  }

  /** True when `clientId` is free or already `userId`'s, and it is now theirs. `known` claims come from storage. */
  claim(clientId: number, userId: string, options: { known?: boolean } = {}): boolean {
    const owner = this.owners.get(clientId);
    if (owner === undefined) {
      this.owners.set(clientId, userId);
      if (!options.known) this.onClaim(clientId, userId);
    }
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
  return [...endClocks(update)].filter(([client, clock]) => clock > Y.getState(doc.store, client)).map(([client]) => client);
}
