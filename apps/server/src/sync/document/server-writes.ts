import type * as Y from "yjs";
import { Unsettled } from "../persist/unsettled.ts";

/**
 * The server's own changes to a document (REST writes, moderation, `editedAt`
 * stamps) not stored yet. A client's change that reaches others and is then
 * lost in a crash comes back: its author resends it until acknowledged. The
 * server's does not: after a restart nobody has it to send, and clients may not
 * write under the server's client ids. Sent out before it was stored, it would
 * stay in their copies, and every later update of theirs that builds on it
 * (a deletion of that annotation, a new stamp over the old) would wait for
 * content that never comes, with their acknowledgements behind it. So these
 * go to sockets only once stored: broadcast after the commit, and a join's
 * answer waits for them (docs/architecture.md, "Persistence and the commit").
 * A refused one counts as settled, and is never sent.
 */
export class ServerWrites extends Unsettled {
  /** The server's Yjs clock up to which its changes have gone out: what lies past it has reached no socket. */
  private sentUpTo = 0;

  /** A change of the server's, stored, going out: its content, up to `end`, reaches sockets from now on. */
  sent(end: number) {
    this.sentUpTo = Math.max(this.sentUpTo, end);
  }

  /**
   * Whether a socket's change deletes content of the server's that has not gone out: a member deleting an
   * annotation deletes the stamp the server just wrote under it. Sent at once, that deletion would reach
   * copies that never had the stamp, and were it then lost in a crash, their every later sync step 2 would
   * carry a deletion of content nobody can send, and wait for it until closed (4422).
   */
  deletesUnsent(deleted: Y.Transaction["deleteSet"], serverClient: number): boolean {
    return (deleted.clients.get(serverClient) ?? []).some((range) => range.clock + range.len > this.sentUpTo);
  }
}
