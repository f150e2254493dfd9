import { type Db, clientOf } from "../db.ts";
import { notFound } from "../errors.ts";
import { retryRead } from "../retried-reads.ts";
import { articleAt, articleTag } from "./articles.ts";

/**
 * The JSON answer for an article with one revision's text and blocks, with
 * `extra` fields beside them, as bytes ready to send.
 *
 * The text and blocks are the bulk of it (an article may hold 10 MiB of
 * text), so the database writes them as JSON and they pass through as the
 * bytes it sent: the driver neither decodes nor parses them and nothing here
 * serializes them again. Parsed and serialized on the event loop, a 9 MB
 * article's read held every socket's fan-out about half a second
 * (docs/architecture.md, "Large articles"). `etag` is the article's tag at that revision (articleTag), which
 * a correction sends back as If-Match.
 */
export async function articleAnswer(db: Db, articleId: string, revision?: number, extra: Record<string, unknown> = {}): Promise<{ bytes: Uint8Array<ArrayBuffer>; etag: string }> {
  const { article, number } = await articleAt(db, articleId, revision);
  // Sent past Drizzle, so not retried by its session: the answer to a write that is done (retried-reads.ts).
  const [row] = await retryRead(
    () => clientOf(db)`
    select content_hash, format, to_json(text)::text, blocks::text
    from article_revisions where article_id = ${articleId} and number = ${number}`.raw(),
  );
  if (!row) throw notFound("Revision");
  const [contentHash, format, text, blocks] = row as unknown as [Buffer, Buffer, Buffer, Buffer];
  const head = JSON.stringify({
    id: article.id,
    groupId: article.groupId,
    title: article.title,
    byline: article.byline,
    sourceUrl: article.sourceUrl,
    publishedAt: article.publishedAt,
    revision: number,
    currentRevision: article.currentRevision,
    contentHash: contentHash.toString(),
    format: format.toString(),
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
    ...extra,
  });
  const bytes = Buffer.concat([Buffer.from(`${head.slice(0, -1)},"text":`), text, Buffer.from(',"blocks":'), blocks, Buffer.from("}")]);
  return { bytes, etag: articleTag(article, number) };
}
