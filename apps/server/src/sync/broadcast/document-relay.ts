import type { AccessEvent } from "../authorize/access.ts";
import type { LiveDocument } from "../document/document.ts";

/**
 * What the hub needs to share its documents with other server processes
 * (README, "Deployment"). `relay.ts` implements it over Redis; the hub knows
 * nothing of the transport.
 */
export type DocumentRelay = {
  /** A document was loaded here: from now on, apply what other processes accept for it. */
  attach(live: LiveDocument): void;
  /** The document is being unloaded here. */
  detach(live: LiveDocument): void;
  /** An update accepted here, to be published once `durable` resolves. */
  publishUpdate(live: LiveDocument, update: Uint8Array, durable: Promise<void>): void;
  /** An awareness change made by a socket here. */
  publishAwareness(live: LiveDocument, update: Uint8Array): void;
  /** A Yjs client id claimed here (client-ids.ts), for the other processes' copies of the document. */
  publishClaim(live: LiveDocument, clientId: number, userId: string): void;
  /** Whether other processes write the same documents: only then can a copy here trail what is stored. */
  readonly shared: boolean;
  /** Resolves once the copy holds everything stored for it, relayed to it yet or not. One process: it always does. */
  catchUp(live: LiveDocument): Promise<void>;
  /** A change of access made here, for the other processes' sockets; `onAccess` takes theirs (null: some may have been missed). */
  publishAccess(event: AccessEvent): void;
  onAccess(listener: (event: AccessEvent | null) => void): void;
  /** Accounts sent notifications here, once committed, for streams on other processes; `onNotified` takes theirs. */
  publishNotified(userIds: readonly string[]): void;
  onNotified(listener: (userIds: string[]) => void): void;
  /** Whether the other processes can be reached now; a process that cannot is not ready to serve (/readyz). */
  connected(): boolean;
  close(): Promise<void>;
};

/** One process: nothing to share. */
export const LOCAL_ONLY: DocumentRelay = {
  attach() {},
  detach() {},
  publishUpdate() {},
  publishAwareness() {},
  publishClaim() {},
  shared: false,
  catchUp: async () => {},
  publishAccess() {},
  onAccess() {},
  publishNotified() {},
  onNotified() {},
  connected: () => true,
  close: async () => {},
};
