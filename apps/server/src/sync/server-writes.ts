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
export class ServerWrites {
  private readonly pending = new Set<Promise<void>>();

  /** A server-made change and the promise of its commit; a refused one counts as settled, and is never sent. */
  add(durable: Promise<void>) {
    const settled = durable.then(
      () => {},
      () => {},
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /**
   * Resolves once the server's changes made so far have settled; null when none is waiting. Changes made
   * meanwhile are waited for as well, at most `rounds` times, so that a stream of them (a bulk import over
   * REST) cannot keep a join from its answer.
   */
  settled(rounds = 4): Promise<void> | null {
    if (this.pending.size === 0) return null;
    return Promise.all(this.pending).then(() => (rounds > 1 ? (this.settled(rounds - 1) ?? undefined) : undefined));
  }
}
