import { and, eq } from "drizzle-orm";
import { CodePointIndex, type TextTarget, targetProblem } from "@marginalia/schema";
import { articleRevisions, articles } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";

type Known = { phase: "loading"; ready: Promise<void> } | { phase: "known"; revision: number; index: CodePointIndex };

/** Articles whose text is kept at most; the least recently joined goes first. */
const KEPT = 256;

/**
 * The current text of each article whose documents sockets write to, so
 * that the authorizer can check, without waiting, that a target a socket
 * writes is that text (docs/sync.md, "What you may write"), as REST checks
 * it (services/targets.ts). Loaded when a socket joins; a new revision
 * stored here replaces it at once (anchoring/reanchor.ts), and one stored by
 * another process is loaded when a socket first names it, that socket's
 * update being refused meanwhile.
 */
class ArticleTexts {
  private readonly known = new Map<string, Known>();

  /** Loads the article's current text unless it is known. */
  async load(db: Db, articleId: string): Promise<void> {
    const entry = this.known.get(articleId);
    if (entry?.phase === "loading") return entry.ready;
    if (entry) {
      this.known.delete(articleId);
      this.known.set(articleId, entry);
      return;
    }
    await this.reload(db, articleId);
  }

  /** A revision stored by this process. */
  revised(articleId: string, revision: number, text: string): void {
    this.known.set(articleId, { phase: "known", revision, index: new CodePointIndex(text) });
  }

  /**
   * Why a target is not the article's current text, as `target.<field>: …`; null when it is. An
   * article dropped from the cache while its sockets stay open is loaded again, so that a later
   * attempt is judged on its text rather than refused for ever.
   */
  problem(db: Db, articleId: string, target: TextTarget): string | null {
    const entry = this.known.get(articleId);
    if (!entry) void this.reload(db, articleId).catch(() => {});
    if (entry?.phase !== "known") return "target: the article's text is loading; send it again";
    if (target.revision > entry.revision) void this.reload(db, articleId).catch(() => {});
    if (target.revision !== entry.revision) return `target.revision: not the article's current revision (${entry.revision})`;
    const problem = targetProblem(entry.index, target);
    return problem && `target.${problem.field}: ${problem.message}`;
  }

  private reload(db: Db, articleId: string): Promise<void> {
    const ready = currentText(db, articleId).then(
      (text) => {
        if (text) this.revised(articleId, text.revision, text.text);
        else this.known.delete(articleId);
        while (this.known.size > KEPT) this.known.delete(this.known.keys().next().value!);
      },
      (err: unknown) => {
        this.known.delete(articleId);
        throw err;
      },
    );
    this.known.set(articleId, { phase: "loading", ready });
    return ready;
  }
}

async function currentText(db: Db, articleId: string): Promise<{ revision: number; text: string } | null> {
  const [row] = await db
    .select({ revision: articleRevisions.number, text: articleRevisions.text })
    .from(articles)
    .innerJoin(articleRevisions, and(eq(articleRevisions.articleId, articles.id), eq(articleRevisions.number, articles.currentRevision)))
    .where(eq(articles.id, articleId));
  return row ?? null;
}

export const articleTexts = new ArticleTexts();
