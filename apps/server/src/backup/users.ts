import { parseRoom, roomName } from "@marginalia/schema";
import { type BackupRecord, USER_COLUMNS } from "./format.ts";

/**
 * Account ids cross instances only through emails: a restore finds or
 * creates each account by email, and where the restoring side knows that
 * email under another id, the rows are rewritten. Documents need no
 * rewriting: they name members by member id, and the member_ids rows that
 * give those ids come back as they were, pointing at the accounts found here.
 * A private room's name holds its owner's account id, so that is rewritten.
 */
export type IdMap = ReadonlyMap<string, string>;

/** The accounts a record needs to exist (its foreign keys). */
export function userIdsOf(record: BackupRecord): string[] {
  const ids: string[] = [];
  for (const column of USER_COLUMNS[record.type] ?? []) {
    const value = (record as Record<string, unknown>)[column];
    if (typeof value === "string") ids.push(value);
    else if (Array.isArray(value)) ids.push(...(value as string[]));
  }
  return ids;
}

export function remapDocName(name: string, ids: IdMap): string {
  const room = parseRoom(name);
  if (room?.kind !== "private" || !ids.has(room.userId)) return name;
  return roomName({ ...room, userId: ids.get(room.userId)! });
}

export function remapRecord<R extends BackupRecord>(record: R, ids: IdMap): R {
  if (ids.size === 0) return record;
  const out: Record<string, unknown> = { ...record };
  for (const column of USER_COLUMNS[record.type] ?? []) {
    const value = out[column];
    if (typeof value === "string") out[column] = ids.get(value) ?? value;
    else if (Array.isArray(value)) out[column] = (value as string[]).map((id) => ids.get(id) ?? id);
  }
  if (typeof out.docName === "string") out.docName = remapDocName(out.docName, ids);
  if (record.type === "document") out.name = remapDocName(record.name, ids);
  return out as R;
}
