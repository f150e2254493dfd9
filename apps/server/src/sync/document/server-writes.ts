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
 */
export class ServerWrites extends Unsettled {}
