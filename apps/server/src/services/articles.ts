import { and, desc, eq } from "drizzle-orm";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { type Role, type SourceFormat } from "@marginalia/schema";
import { articleRevisions, articles } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { notFound } from "../errors.ts";
import type { ImportedArticle } from "../import/article.ts";
import { nameBook } from "./identities.ts";

export type ArticleMeta = { sourceUrl?: string | null; publishedAt?: Date | null };

export function contentHash(text: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(text)));
}

export async function createArticle(
  db: Db,
  input: { groupId: string; authorId: string; format: SourceFormat; imported: ImportedArticle; meta: ArticleMeta },
) {
  const { imported } = input;
  const id = await db.transaction(async (tx) => {
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
    await tx.insert(articleRevisions).values({
      articleId: article!.id,
      number: 1,
      text: imported.text,
      blocks: imported.blocks,
      contentHash: contentHash(imported.text),
      format: input.format,
      authorId: input.authorId,
    });
    return article!.id;
  });
  return getArticle(db, id);
}

/**
 * Stores a new revision unless the text is unchanged, in which case the
 * current one is returned and `created` is false, so that retries are harmless.
 */
export async function addRevision(
  db: Db,
  input: { articleId: string; authorId: string; format: SourceFormat; imported: ImportedArticle },
) {
  const { imported } = input;
  const hash = contentHash(imported.text);
  const created = await db.transaction(async (tx) => {
    const [article] = await tx.select().from(articles).where(eq(articles.id, input.articleId)).for("update");
    if (!article) throw notFound("Article");
    const [current] = await tx
      .select({ contentHash: articleRevisions.contentHash })
      .from(articleRevisions)
      .where(and(eq(articleRevisions.articleId, article.id), eq(articleRevisions.number, article.currentRevision)));
    if (current?.contentHash === hash) return false;
    const number = article.currentRevision + 1;
    await tx.insert(articleRevisions).values({
      articleId: article.id,
      number,
      text: imported.text,
      blocks: imported.blocks,
      contentHash: hash,
      format: input.format,
      authorId: input.authorId,
    });
    await tx
      .update(articles)
      .set({ currentRevision: number, title: imported.title, byline: imported.byline, updatedAt: new Date() })
      .where(eq(articles.id, article.id));
    return true;
  });
  return { created, article: await getArticle(db, input.articleId) };
}

/** The article with the text and blocks of one revision (the current one by default). */
export async function getArticle(db: Db, articleId: string, revision?: number) {
  const [article] = await db.select().from(articles).where(eq(articles.id, articleId));
  if (!article) throw notFound("Article");
  const number = revision ?? article.currentRevision;
  const [rev] = await db
    .select()
    .from(articleRevisions)
    .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.number, number)));
  if (!rev) throw notFound("Revision");
  return {
    id: article.id,
    groupId: article.groupId,
    title: article.title,
    byline: article.byline,
    sourceUrl: article.sourceUrl,
    publishedAt: article.publishedAt,
    revision: rev.number,
    currentRevision: article.currentRevision,
    contentHash: rev.contentHash,
    format: rev.format,
    text: rev.text,
    blocks: rev.blocks,
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
  };
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

export async function deleteArticle(db: Db, articleId: string) {
  await db.delete(articles).where(eq(articles.id, articleId));
}
