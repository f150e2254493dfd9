/** How long the load after a quick second reload waits, and how soon after the one before a reload counts as quick. */
const PAUSE_MS = 5_000;
const QUICK_MS = 30_000;

/**
 * A bound on how often a document reloads after refused updates (hub.ts
 * `reload`). A reload is needed at once: the live copy holds content that
 * will never be stored, and nothing more it takes is stored. What costs is
 * the load that follows, with every socket of the document closed and
 * back: a large document's load held the event loop over a second, and its
 * writers were shut out for as long. Content refused before is refused at
 * the socket (refused-structs.ts), but a writer that makes a new refused
 * change each time, or the same one through another process, would reload
 * the document every time. So the document is still dropped at once, and
 * when it reloads within QUICK_MS of its last reload its next load waits
 * PAUSE_MS: its sockets wait to join (within the admission timeout), and a
 * REST write on it waits, rather than be refused. At most one load every
 * PAUSE_MS while refusals go on.
 */
export class ReloadPace {
  private readonly last = new Map<string, { at: number; loadAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  reloaded(docName: string) {
    const now = this.now();
    for (const [name, { at }] of this.last) if (at <= now - QUICK_MS) this.last.delete(name);
    this.last.set(docName, { at: now, loadAt: this.last.has(docName) ? now + PAUSE_MS : now });
  }

  /** Resolves once the document may be loaded again. */
  loadable(docName: string): Promise<void> {
    const wait = (this.last.get(docName)?.loadAt ?? 0) - this.now();
    return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
  }
}
