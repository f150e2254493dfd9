import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type SQL, sql } from "drizzle-orm";
import { articleRevisions, revisionDrafts } from "@marginalia/schema/tables";
import type { Db, Tx } from "../db.ts";
import type { BlockSlices } from "../import/packed-blocks.ts";

/**
 * The most text one part of a draft holds, in UTF-16 units. The embedded
 * database runs one statement at a time for everyone, and took 100–150 ms
 * to store a part this size on a busy machine (docs/architecture.md, "Large articles").
 */
export const DRAFT_TEXT_UNITS = 256 * 1024;
/** The most blocks one part of a draft holds: about 100 KB of JSON, which the database parses as it stores them. */
export const DRAFT_BLOCKS = 2_000;
/** How old a draft must be before any import may delete it: far past the longest import (its thread gives up at 20 s). */
const STALE_DRAFT = sql.raw("interval '1 hour'");
/** Where a draft's blocks are gathered whole (the schema's `revisionDrafts`). */
const WHOLE_BLOCKS = -1;

/** A revision's text and blocks: given as they are, or staged as a draft the revision is made from. */
export type RevisionContent = { text: string; blocks: BlockSlices } | { draftId: string };

/** `text` in parts of at most `units`, none ending between the two halves of a surrogate pair. */
export function textParts(text: string, units = DRAFT_TEXT_UNITS): string[] {
  const parts: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + units);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(at, end));
    at = end;
  }
  return parts.length > 0 ? parts : [""];
}

/**
 * Runs `store` with a revision's content: as it is when it is small, else as
 * a draft written a part at a time, each part a statement (and a transaction)
 * of its own, so that other writers' statements run between them instead of
 * waiting behind one that sends 9 MB. Nothing of a draft is visible: `store`'s
 * transaction makes the revision from it (`insertRevision`), and once `store`
 * is done, whether it stored, decided not to, or failed, the draft is deleted
 * (docs/architecture.md, "Large articles").
 */
export async function withRevisionContent<T>(db: Db, content: { text: string; blocks: BlockSlices }, store: (content: RevisionContent) => Promise<T>): Promise<T> {
  const texts = textParts(content.text);
  if (texts.length === 1 && content.blocks.length <= DRAFT_BLOCKS) return store(content);
  const draftId = randomUUID();
  try {
    await deleteStaleDrafts(db);
    for (const [seq, text] of texts.entries()) await yielding(() => db.insert(revisionDrafts).values({ draftId, seq, text }));
    await stageBlocks(db, draftId, texts.length, content.blocks);
    return await store({ draftId });
  } finally {
    // Not in `store`'s transaction, which it would make longer for everyone. What `store` did or threw stands
    // whatever happens here; a draft left behind (the database away) is deleted by a later import once it is old.
    await db
      .delete(revisionDrafts)
      .where(sql`${revisionDrafts.draftId} = ${draftId}`)
      .catch(() => {});
  }
}

/** Deletes the drafts of imports that a stopped process never finished: at start-up, and before each large import. */
export async function deleteStaleDrafts(db: Db): Promise<void> {
  await db.delete(revisionDrafts).where(sql`${revisionDrafts.createdAt} < now() - ${STALE_DRAFT}`);
}

/** The blocks, in parts numbered after the text's, then gathered into one value at WHOLE_BLOCKS by a statement of its own. */
async function stageBlocks(db: Db, draftId: string, firstSeq: number, blocks: BlockSlices) {
  if (blocks.length <= DRAFT_BLOCKS) {
    await db.insert(revisionDrafts).values({ draftId, seq: WHOLE_BLOCKS, blocks: blocks.slice() });
    return;
  }
  for (let at = 0, seq = firstSeq; at < blocks.length; at += DRAFT_BLOCKS, seq++) {
    await yielding(() => db.insert(revisionDrafts).values({ draftId, seq, blocks: blocks.slice(at, at + DRAFT_BLOCKS) }));
  }
  await yielding(() => db.execute(sql`
    insert into revision_drafts (draft_id, seq, blocks)
    select ${draftId}, ${WHOLE_BLOCKS}, jsonb_agg(b.block order by d.seq, b.at)
    from revision_drafts d, jsonb_array_elements(d.blocks) with ordinality as b(block, at)
    where d.draft_id = ${draftId} and d.seq >= 0 and d.blocks is not null`));
}

/**
 * `write`, then a pause as long as it took. A request of someone else's runs
 * several statements one after another, and on the embedded database each
 * waits for the statement running when it comes: without the pause, the
 * import's next part was always there first, and a comment posted meanwhile
 * waited behind one part per statement of its own, over a second in all.
 */
async function yielding(write: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await write();
  await sleep(performance.now() - started);
}

type RevisionRow = Omit<typeof articleRevisions.$inferInsert, "text" | "blocks">;

/**
 * Inserts a revision with `content` inside `tx`. A draft's text is put
 * together in the database, by the one statement that inserts the row: the
 * text never comes back through the server.
 */
export async function insertRevision(tx: Tx, row: RevisionRow, content: RevisionContent): Promise<void> {
  if (!("draftId" in content)) {
    await tx.insert(articleRevisions).values({ ...row, text: content.text, blocks: content.blocks.slice() });
    return;
  }
  const { draftId } = content;
  const text: SQL = sql`(select coalesce(string_agg(d.text, '' order by d.seq), '') from revision_drafts d
    where d.draft_id = ${draftId} and d.text is not null)`;
  const blocks: SQL = sql`(select d.blocks from revision_drafts d where d.draft_id = ${draftId} and d.seq = ${WHOLE_BLOCKS})`;
  await tx.insert(articleRevisions).values({ ...row, text, blocks });
}
