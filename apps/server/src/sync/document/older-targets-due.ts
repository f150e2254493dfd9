import type { AccessEvent } from "../authorize/access.ts";

export type ArticleRevised = Extract<AccessEvent, { kind: "article-revised" }>;

/** How long a process waits before it moves targets left on an earlier revision (anchoring/reanchor.ts). */
const OLDER_TARGETS_WAIT_MS = 2_000;

/**
 * When this process may hold targets on a revision before the article's
 * current one, to be moved (anchoring/reanchor.ts): another process revised
 * it, or a socket here wrote work made on an earlier text. Listeners hear of
 * it OLDER_TARGETS_WAIT_MS later, once per article however often it is asked
 * meanwhile, with the latest revision named. After a revision made elsewhere
 * the wait lets the revising process's own moves arrive first, so that mostly
 * stragglers are left to move here.
 */
export class OlderTargetsDue {
  private readonly listeners: Array<(event: ArticleRevised) => void> = [];
  private readonly due = new Map<string, ArticleRevised>();

  listen(listener: (event: ArticleRevised) => void) {
    this.listeners.push(listener);
  }

  soon(event: ArticleRevised) {
    const waiting = this.due.has(event.articleId);
    this.due.set(event.articleId, event);
    if (waiting) return;
    setTimeout(() => {
      const latest = this.due.get(event.articleId) ?? event;
      this.due.delete(event.articleId);
      for (const listener of this.listeners) listener(latest);
    }, OLDER_TARGETS_WAIT_MS).unref();
  }
}
