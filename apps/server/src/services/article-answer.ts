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
 * An answer as the parts of its bytes, in order, and their total length: sent one after another
 * (`answerBody`), never copied into one buffer.
 */
export type ArticleAnswer = { parts: Uint8Array[]; byteLength: number; etag: string };

/**
 * The JSON answer for an article with one revision's text and blocks, with
 * `extra` fields beside them, as bytes ready to send.
 *
 * The text and blocks are the bulk of it (an article may hold 10 MiB of
 * text), so the database writes them as JSON and they pass through as the
 * bytes it sent: the driver neither decodes nor parses them and nothing here
 * serializes them again. Parsed and serialized on the event loop, a 9 MB
 * article's read held every socket's fan-out about half a second
 * (docs/architecture.md, "Large articles"). Nor are they copied into one
 * buffer: for an article of many short blocks (MAX_ARTICLE_BLOCKS), the
 * copies the answer took were a large part of the 30–90 ms its read held the loop.
 * `etag` is the answer's tag (articleTag), which names the
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
): Promise<ArticleAnswer> {
  const { article, number } = await articleAt(db, articleId, revision);
  // Sent past Drizzle, so not retried by its session: the answer to a write that is done (retried-reads.ts).
  const rows = await retryRead(() =>
    known
      ? clientOf(db)`select content_hash, format from article_revisions where article_id = ${articleId} and number = ${number}`.raw()
      : clientOf(db)`
    select content_hash, format, 0, to_json(text)::text
    from article_revisions where article_id = ${articleId} and number = ${number}
    union all
    select null, null, n + 1, convert_from(substring(b from n * ${BLOCKS_JSON_PART} + 1 for ${BLOCKS_JSON_PART}), 'UTF8')
    from (select convert_to(blocks::text, 'UTF8') as b from article_revisions where article_id = ${articleId} and number = ${number} offset 0) r,
      generate_series(0, (length(b) - 1) / ${BLOCKS_JSON_PART}) n`.raw(),
  );
  // The row numbered 0 holds the revision's own fields (and its text); without it there is no such revision.
  const found = (rows as unknown as Buffer[][]).find((row) => known || row[2]?.toString() === "0");
  if (!found) throw notFound("Revision");
  const [contentHash, format] = found as [Buffer, Buffer];
  const [text, blocks] = known ? await contentJson(known) : storedJson(rows as unknown as Buffer[][]);
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
  const parts = [Buffer.from(`${head.slice(0, -1)},"text":`), ...text, Buffer.from(',"blocks":'), ...blocks, Buffer.from("}")];
  return { parts, byteLength: parts.reduce((sum, part) => sum + part.byteLength, 0), etag: articleTag(article, number, extra) };
}

/**
 * The bytes of a revision's blocks, as JSON, the database sends in one row. A row is one message,
 * which the driver gathers into one buffer before it hands any of it over: whole, the block map of an
 * article of MAX_ARTICLE_BLOCKS blocks was 7 MB, copied in one turn of the event loop. Cut as bytes
 * (`substring` of a bytea), not characters: `substr` of text counts its way from the start at each
 * part, which took the database a second more for that map. The JSON is ASCII (kinds and numbers),
 * so no cut falls inside a character.
 */
const BLOCKS_JSON_PART = 1024 * 1024;

/** The text's JSON and the blocks' parts, from the rows of `articleAnswer`'s read (numbered 0, then 1, 2, …). */
function storedJson(rows: Buffer[][]): [Buffer[], Buffer[]] {
  const parts: Buffer[] = [];
  for (const row of rows) parts[Number(row[2]!.toString())] = row[3]!;
  return [[parts[0]!], parts.slice(1)];
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
async function contentJson({ text, blocks }: KnownContent): Promise<[Buffer[], Buffer[]]> {
  const textJson: Buffer[] = [Buffer.from('"')];
  for (const part of textParts(text, DRAFT_TEXT_UNITS)) {
    textJson.push(Buffer.from(JSON.stringify(part).slice(1, -1)));
    await nextTurn();
  }
  textJson.push(Buffer.from('"'));
  const blocksJson: Buffer[] = [Buffer.from("[")];
  for (let at = 0; at < blocks.length; at += DRAFT_BLOCKS) {
    blocksJson.push(Buffer.from(`${at === 0 ? "" : ","}${JSON.stringify(blocks.slice(at, at + DRAFT_BLOCKS)).slice(1, -1)}`));
    await nextTurn();
  }
  blocksJson.push(Buffer.from("]"));
  return [textJson, blocksJson];
}

/** How much of a part goes to the socket in one write: a view, not a copy. */
const WRITE_BYTES = 1024 * 1024;

/**
 * An answer's bytes as a response body, a part (or a megabyte of one) each time the socket asks for
 * more, with their length: what `c.body` sends as it is.
 */
export function answerBody({ parts, byteLength }: ArticleAnswer): { body: ReadableStream<Uint8Array>; length: string } {
  let next = 0;
  let at = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const part = parts[next];
        if (!part) return controller.close();
        const end = Math.min(part.byteLength, at + WRITE_BYTES);
        controller.enqueue(part.subarray(at, end));
        if (end < part.byteLength) at = end;
        else [next, at] = [next + 1, 0];
      },
    },
    { highWaterMark: 0 },
  );
  return { body, length: String(byteLength) };
}
