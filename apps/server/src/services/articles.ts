import { createHash } from "node:crypto";
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { CodePointIndex, type Role, type SourceFormat } from "@marginalia/schema";
import { annotations, articleRevisions, articles, flags } from "@marginalia/schema/tables";
import { requireRoleLocked } from "../access/membership.ts";
import type { Db, Tx } from "../db.ts";
import { forgetArticleDocuments } from "../documents/forget-article.ts";
import { ApiError, notFound } from "../errors.ts";
import type { ImportedArticle } from "../import/article.ts";
import type { BlockSlices } from "../import/packed-blocks.ts";
import { articleTexts } from "../sync/authorize/article-text.ts";
import { nameBook } from "./identities.ts";
import { type RevisionContent, insertRevision, withRevisionContent } from "./revision-drafts.ts";

export type ArticleMeta = { sourceUrl?: string | null; publishedAt?: Date | null };

export async function createArticle(
  db: Db,
  input: { groupId: string; authorId: string; format: SourceFormat; imported: ImportedArticle<BlockSlices>; meta: ArticleMeta },
) {
  const { imported } = input;
  // A large text is staged first, outside the transaction (revision-drafts.ts): the article appears whole at its commit, or not at all.
  const id = await withRevisionContent(db, imported, (content) => db.transaction(async (tx) => {
    // Importing is a moderator's, decided again as the article is stored (access/membership.ts, requireRoleLocked).
    await requireRoleLocked(tx, input.groupId, input.authorId, "moderator");
    const [article] = await tx
      .insert(articles)
      .values({
        groupId: input.groupId,
        title: imported.title,
        byline: imported.byline,
        sourceUrl: input.meta.sourceUrl ?? null,
        publishedAt: input.meta.publishedAt ?? null,
        currentRevision: 1,
        createdBy: input.authorId,
      })
      .returning({ id: articles.id });
    await insertRevision(tx, { articleId: article!.id, number: 1, contentHash: imported.contentHash, format: input.format, authorId: input.authorId }, content);
    return article!.id;
  }));
  return { id, title: imported.title, revision: 1, text: imported.text };
}

type TaggedArticle = { id: string; currentRevision: number; updatedAt: Date };
const digest = (value: string, length: number) => createHash("sha256").update(value).digest("base64url").slice(0, length);

/** The article's state as an answer at revision `number` shows it: the revision, the current one and the last change of the title or byline. */
const stateTag = (article: TaggedArticle, number: number) => digest(JSON.stringify([article.id, number, article.currentRevision, article.updatedAt.toISOString()]), 27);

/**
 * The strong ETag of an article's answer at revision `number`: the article's state, then, after a dot, what
 * else the answer holds (`extra`: the reader's role, member id and rooms, or a correction's re-anchoring). Two
 * answers that differ have different tags, whoever reads them: an owner's and an annotator's, or one reader's
 * before and after a change of role (RFC 9110 §8.8.3).
 */
export function articleTag(article: TaggedArticle, number = article.currentRevision, extra: Record<string, unknown> = {}): string {
  return `"${stateTag(article, number)}.${digest(JSON.stringify(extra), 16)}"`;
}

/**
 * Refuses (412) a correction whose If-Match names no tag of the article as it stands (the strong comparison,
 * RFC 9110 §13.1.1: a weak tag never matches). Checked under the article's row lock, so of corrections sent
 * at once with one tag exactly one passes; the others read the revision it made. Only the tag's state is
 * compared: a lost correction is what If-Match guards against, and the reader's part of the answer (its role
 * and rooms) is no change of the article. A tag of the state alone, as tags were before they named the rest,
 * is taken too.
 */
function checkArticleTag(article: TaggedArticle, ifMatch: readonly string[] | undefined) {
  const state = stateTag(article, article.currentRevision);
  const names = (tag: string) => tag === `"${state}"` || (tag.startsWith(`"${state}.`) && tag.endsWith('"'));
  if (ifMatch === undefined || ifMatch.includes("*") || ifMatch.some(names)) return;
  throw new ApiError("precondition_failed", "The article changed since you read it: GET it again and redo your correction");
}

/**
 * Stores a new revision unless the text is unchanged, in which case the
 * current one's number is returned and `created` is false, so that retries are
 * harmless (a changed title or byline is kept all the same). `previous` is what
 * re-anchoring needs of the revision replaced.
 */
export async function addRevision(
  db: Db,
  input: { articleId: string; groupId: string; authorId: string; format: SourceFormat; imported: ImportedArticle<BlockSlices>; ifMatch?: readonly string[] },
) {
  const { imported } = input;
  const hash = imported.contentHash;
  // Outside the transaction, which every other query on the embedded database waits for: whether the text
  // changed (a retry of the same text is not staged for nothing) and the length of the one it replaces, which
  // takes a moment over megabytes. A revision's text never changes, so the length stands if the revision does.
  const [standing] = await db
    .select({ number: articleRevisions.number, contentHash: articleRevisions.contentHash })
    .from(articleRevisions)
    .innerJoin(articles, and(eq(articles.id, articleRevisions.articleId), eq(articles.currentRevision, articleRevisions.number)))
    .where(eq(articles.id, input.articleId));
  const measured = standing && standing.contentHash !== hash ? { number: standing.number, length: await textLength(db, input.articleId, standing.number) } : null;
  const store = (content: RevisionContent) => db.transaction(async (tx) => {
    // A correction is a moderator's, decided again as it is stored; the group's lock before the article's.
    await requireRoleLocked(tx, input.groupId, input.authorId, "moderator");
    const [article] = await tx.select().from(articles).where(eq(articles.id, input.articleId)).for("update");
    if (!article) throw notFound("Article");
    checkArticleTag(article, input.ifMatch);
    const [current] = await tx
      .select({ contentHash: articleRevisions.contentHash })
      .from(articleRevisions)
      .where(and(eq(articleRevisions.articleId, article.id), eq(articleRevisions.number, article.currentRevision)));
    if (current?.contentHash === hash) {
      // The text stands, and no revision is made; a title or byline sent with it is still what the caller asked for.
      if (imported.title !== article.title || imported.byline !== article.byline) {
        await tx.update(articles).set({ title: imported.title, byline: imported.byline, updatedAt: new Date() }).where(eq(articles.id, article.id));
      }
      return { created: false as const, revision: article.currentRevision };
    }
    const number = article.currentRevision + 1;
    await insertRevision(tx, { articleId: article.id, number, contentHash: hash, format: input.format, authorId: input.authorId }, content);
    await tx
      .update(articles)
      .set({ currentRevision: number, title: imported.title, byline: imported.byline, updatedAt: new Date() })
      .where(eq(articles.id, article.id));
    const length = measured?.number === article.currentRevision ? measured.length : current ? await textLength(tx, article.id, article.currentRevision) : 0;
    return { created: true as const, revision: number, previous: { length } };
  });
  return standing?.contentHash === hash ? store(imported) : withRevisionContent(db, imported, store);
}

/** A revision's length in code points (Postgres counts characters so, as anchors do), without sending the text here. */
async function textLength(db: Db | Tx, articleId: string, number: number): Promise<number> {
  const [row] = await db
    .select({ length: sql<number>`char_length(${articleRevisions.text})` })
    .from(articleRevisions)
    .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.number, number)));
  return row?.length ?? 0;
}

/** The article and the number of one of its revisions (the current one by default); 404 when either is missing. */
export async function articleAt(db: Db, articleId: string, revision?: number) {
  const [article] = await db.select().from(articles).where(eq(articles.id, articleId));
  if (!article) throw notFound("Article");
  return { article, number: revision ?? article.currentRevision };
}

/**
 * The article with the text of one revision (the current one by default), for
 * the server's own use: what clients read is `articleAnswer`'s, which passes the
 * blocks through as the database wrote them.
 */
export async function getArticleText(db: Db, articleId: string, revision?: number) {
  const { article, number } = await articleAt(db, articleId, revision);
  const [rev] = await db
    .select({ text: articleRevisions.text })
    .from(articleRevisions)
    .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.number, number)));
  if (!rev) throw notFound("Revision");
  return { id: article.id, groupId: article.groupId, title: article.title, sourceUrl: article.sourceUrl, revision: number, text: rev.text };
}

/**
 * Revision `revision`'s text, indexed by code point: as sockets' checks keep it (sync/authorize/article-text.ts),
 * loaded there when it is the current revision's, else read for this caller alone. 404 for no such revision.
 */
export async function textIndexAt(db: Db, articleId: string, revision: number): Promise<CodePointIndex> {
  const kept = articleTexts.indexOf(articleId, revision);
  if (kept) return kept;
  await articleTexts.load(db, articleId);
  return articleTexts.indexOf(articleId, revision) ?? new CodePointIndex((await getArticleText(db, articleId, revision)).text);
}

/** An article's title, current revision and the page it was imported from, without its text. */
export async function getArticleHead(db: Db, articleId: string) {
  const [article] = await db
    .select({ title: articles.title, sourceUrl: articles.sourceUrl, revision: articles.currentRevision })
    .from(articles)
    .where(eq(articles.id, articleId));
  if (!article) throw notFound("Article");
  return article;
}

export function listArticles(db: Db, groupId: string) {
  return db
    .select({
      id: articles.id,
      title: articles.title,
      byline: articles.byline,
      sourceUrl: articles.sourceUrl,
      revision: articles.currentRevision,
      createdAt: articles.createdAt,
      updatedAt: articles.updatedAt,
    })
    .from(articles)
    .where(eq(articles.groupId, groupId))
    .orderBy(desc(articles.createdAt));
}

/** Revision history, each author named as `viewer` may see them. */
export async function listRevisions(db: Db, article: { id: string; groupId: string }, viewer: { id: string; role: Role }) {
  const [rows, book] = await Promise.all([
    db
      .select({
        number: articleRevisions.number,
        contentHash: articleRevisions.contentHash,
        format: articleRevisions.format,
        authorId: articleRevisions.authorId,
        createdAt: articleRevisions.createdAt,
      })
      .from(articleRevisions)
      .where(eq(articleRevisions.articleId, article.id))
      .orderBy(desc(articleRevisions.number)),
    nameBook(db, article.groupId, viewer),
  ]);
  return rows.map(({ authorId, ...rev }) => ({ ...rev, author: book.person(authorId) }));
}

/**
 * Deletes an article with everything written about it: its rows cascade, and its documents' logs,
 * snapshots and client ids, which are keyed by document name and so cannot, go with it in the same
 * transaction. They hold every annotation's text, private and hidden ones included. Deleting is a
 * moderator's: `actor`'s role is decided again under the group's lock (access/membership.ts, requireRoleLocked).
 * Nothing else is told before this commits: a refused or failed deletion changes nothing (the route
 * announces it after, hub.ts `articleDeleted`).
 */
export async function deleteArticle(db: Db, article: { id: string; groupId: string }, actor: string) {
  const articleId = article.id;
  await db.transaction(async (tx) => {
    await requireRoleLocked(tx, article.groupId, actor, "moderator");
    // Flags are the group's, not the article's, so they do not cascade: settled, as deleting an annotation settles them (hooks/flags.ts).
    const ofItsAnnotations = tx.select({ id: annotations.id }).from(annotations).where(eq(annotations.articleId, articleId));
    await tx
      .update(flags)
      .set({ resolvedAt: new Date() })
      .where(and(eq(flags.groupId, article.groupId), isNull(flags.resolvedAt), inArray(flags.annotationId, ofItsAnnotations)));
    await tx.delete(articles).where(eq(articles.id, articleId));
    await forgetArticleDocuments(tx, articleId);
  });
}
