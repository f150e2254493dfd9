import { setImmediate as nextTurn } from "node:timers/promises";
import { type Db, clientOf } from "../db.ts";
import { notFound } from "../errors.ts";
import type { BlockSlices } from "../import/packed-blocks.ts";
import { retryRead } from "../retried-reads.ts";
import { articleAt, articleTag } from "./articles.ts";
import { DRAFT_BLOCKS, DRAFT_TEXT_UNITS, textParts } from "./revision-drafts.ts";

/** A revision's text and blocks as the caller has them: what it just stored. */
export type KnownContent = { text: string; blocks: BlockSlices };

/**
 * The JSON answer for an article with one revision's text and blocks, with
 * `extra` fields beside them, as bytes ready to send.
 *
 * The text and blocks are the bulk of it (an article may hold 10 MiB of
 * text), so the database writes them as JSON and they pass through as the
 * bytes it sent: the driver neither decodes nor parses them and nothing here
 * serializes them again. Parsed and serialized on the event loop, a 9 MB
 * article's read held every socket's fan-out about half a second
 * (docs/architecture.md, "Large articles"). `etag` is the answer's tag (articleTag), which names the
 * article at that revision and `extra`, and which a correction sends back as If-Match.
 *
 * `known`: the revision's content, when the caller just stored it. Then it
 * is not read back: on the embedded database, which runs one statement at a
 * time for everyone, reading 9 MB back as JSON took half a second or more.
 */
export async function articleAnswer(
  db: Db,
  articleId: string,
  revision?: number,
  extra: Record<string, unknown> = {},
  known?: KnownContent,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; etag: string }> {
  const { article, number } = await articleAt(db, articleId, revision);
  // Sent past Drizzle, so not retried by its session: the answer to a write that is done (retried-reads.ts).
  const [row] = await retryRead(() =>
    known
      ? clientOf(db)`select content_hash, format from article_revisions where article_id = ${articleId} and number = ${number}`.raw()
      : clientOf(db)`
    select content_hash, format, to_json(text)::text, blocks::text
    from article_revisions where article_id = ${articleId} and number = ${number}`.raw(),
  );
  if (!row) throw notFound("Revision");
  const [contentHash, format, ...stored] = row as unknown as [Buffer, Buffer, Buffer, Buffer];
  const [text, blocks] = known ? await contentJson(known) : (stored as [Buffer, Buffer]);
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
  return { bytes, etag: articleTag(article, number, extra) };
}

/** The tag `articleAnswer` would give, without reading the text: for a GET whose If-None-Match may already hold it. */
export async function articleAnswerTag(db: Db, articleId: string, revision: number | undefined, extra: Record<string, unknown>): Promise<string> {
  const { article, number } = await articleAt(db, articleId, revision);
  return articleTag(article, number, extra);
}

/**
 * `content` as the JSON of its text and of its blocks, written a part at a
 * time, a turn of the event loop each: whole, 9 MB of text is one long turn.
 */
async function contentJson({ text, blocks }: KnownContent): Promise<[Buffer, Buffer]> {
  const textJson: Buffer[] = [Buffer.from('"')];
  for (const part of textParts(text, DRAFT_TEXT_UNITS)) {
    textJson.push(Buffer.from(JSON.stringify(part).slice(1, -1)));
    await nextTurn();
  }
  textJson.push(Buffer.from('"'));
  const blocksJson: Buffer[] = [];
  for (let at = 0; at < blocks.length; at += DRAFT_BLOCKS) {
    blocksJson.push(Buffer.from(`${at === 0 ? "" : ","}${JSON.stringify(blocks.slice(at, at + DRAFT_BLOCKS)).slice(1, -1)}`));
    await nextTurn();
  }
  return [Buffer.concat(textJson), Buffer.concat([Buffer.from("["), ...blocksJson, Buffer.from("]")])];
}
