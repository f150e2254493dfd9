import { and, eq } from "drizzle-orm";
import { CodePointIndex } from "@marginalia/schema";
import { articleRevisions } from "@marginalia/schema/tables";
import type { Db } from "../../db.ts";
import { keepWithinUnits } from "./text-budget.ts";

/** Older texts kept at most, in UTF-16 units (8 M: 16 MB), the least recently used going first. */
const KEPT_UNITS = 8 * 2 ** 20;

type Kept = { phase: "loading" } | { phase: "read"; index: CodePointIndex | null };

/**
 * Texts of an article's revisions before its current one, read when a socket
 * writes a target on one. Work made offline on a text that a moderator
 * corrected meanwhile comes back on the old revision: it is judged on the text
 * it was made on, and then moved onto the current one like everything else
 * (anchoring/reanchor.ts), rather than refused, which lost it: providers give
 * up on 4403.
 */
export class OlderTexts {
  private readonly texts = new Map<string, Kept>();

  /** The revision's text, null when the article has no such revision, undefined while it is read (begun by this call). */
  get(db: Db, articleId: string, revision: number): CodePointIndex | null | undefined {
    const key = `${articleId}@${revision}`;
    const found = this.texts.get(key);
    if (found?.phase === "loading") return undefined;
    if (found) {
      // Used again: kept the longest.
      this.texts.delete(key);
      this.texts.set(key, found);
      return found.index;
    }
    this.texts.set(key, { phase: "loading" });
    void readRevision(db, articleId, revision).then(
      (text) => this.keep(key, text === null ? null : new CodePointIndex(text)),
      () => this.texts.delete(key),
    );
    return undefined;
  }

  /** A revision's text this process has at hand already (it was the current one). */
  remember(articleId: string, revision: number, index: CodePointIndex) {
    this.keep(`${articleId}@${revision}`, index);
  }

  /** The revision's text if it is kept, without reading it. */
  kept(articleId: string, revision: number): CodePointIndex | null {
    const found = this.texts.get(`${articleId}@${revision}`);
    return found?.phase === "read" ? found.index : null;
  }

  private keep(key: string, index: CodePointIndex | null) {
    keepWithinUnits(this.texts, key, { phase: "read", index }, (entry) => (entry.phase === "read" ? (entry.index?.text.length ?? 0) : 0), KEPT_UNITS);
  }
}

export async function readRevision(db: Db, articleId: string, revision: number): Promise<string | null> {
  const [row] = await db
    .select({ text: articleRevisions.text })
    .from(articleRevisions)
    .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.number, revision)));
  return row?.text ?? null;
}
