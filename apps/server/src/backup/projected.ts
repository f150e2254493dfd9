import { createHash } from "node:crypto";
import type * as Y from "yjs";
import { annotationsOf, parseRoom, parseVoteKey, readAnnotation, votesOf } from "@marginalia/schema";
import { contextFor } from "../documents/context.ts";
import { type ProjectionRow, projectAnnotation, storableRow } from "../sync/persist/projection.ts";
import type { RecordOf } from "./format.ts";

/**
 * An annotation's row is the projection of its document (docs/architecture.md): a restore checks each row
 * of the file against the row its restored document projects, so that a hand-edited row (a private note
 * made "group", a verdict changed) cannot show members what the document does not say.
 *
 * Compared are the columns the document decides alone. Not the revision and staleness, which depend on the
 * article's revision when the row was last written, nor the times exactly: a client's time still to come
 * was stored as the commit's own (projection.ts), so a row's time may be earlier than its document's.
 */
const DECIDED = [
  "articleId", "groupId", "docName", "authorId", "kind", "visibility", "status", "target", "quote", "startPos", "body",
  "tags", "color", "claim", "verdict", "confidence", "sources", "resolved", "parentId", "assignees", "dueAt",
  "votesAgree", "votesDisagree", "anchorState", "anchorScore", "canonical", "via", "language",
] as const satisfies readonly (keyof ProjectionRow)[];
const CLOCKED = ["createdAt", "updatedAt", "editedAt"] as const satisfies readonly (keyof ProjectionRow)[];
/** Stored as `real` before drizzle/0030, and so in older files: compared at that precision. */
const REAL = new Set<string>(["confidence", "anchorScore"]);

type Comparable = Partial<Record<keyof ProjectionRow, unknown>>;
/** What is kept of a row or a projection while the file is read: a hash of the decided columns, and the times. */
export type Digest = { hash: string; times: (number | null)[] };

/** JSON with object keys sorted (jsonb keeps them in its own order), dates as ISO text, reals as stored. */
function canonical(value: unknown, key = ""): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" && REAL.has(key)) return Math.fround(value);
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (value === null || typeof value !== "object") return value ?? null;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, canonical(record[k], k)]),
  );
}

const decided = (row: Comparable) => DECIDED.map((column) => canonical(row[column], column));

export function digestOf(row: Comparable): Digest {
  const hash = createHash("sha256").update(JSON.stringify(decided(row))).digest("base64");
  return { hash, times: CLOCKED.map((column) => (row[column] instanceof Date ? (row[column] as Date).getTime() : null)) };
}

/** A row's time agrees with its document's when equal, or earlier (a time to come, stored as the commit's). */
const timeAgrees = (time: number | null, own: number | null) => time === own || (time !== null && own !== null && time < own);

/** Whether a row says what its document's projection says: the same decided columns, and no time later than the document's. */
export function agrees(row: Digest, projected: Digest): boolean {
  return row.hash === projected.hash && row.times.every((time, i) => timeAgrees(time, projected.times[i] ?? null));
}

/** The columns in which a row and its document's projection differ, for the message that refuses the file. */
export function differences(row: RecordOf<"annotation">, projected: ProjectionRow): string[] {
  const [ours, theirs] = [decided(row as Comparable), decided(projected)];
  const [rowTimes, ownTimes] = [digestOf(row as Comparable).times, digestOf(projected).times];
  return [
    ...DECIDED.filter((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(theirs[i])),
    ...CLOCKED.filter((_, i) => !timeAgrees(rowTimes[i] ?? null, ownTimes[i] ?? null)),
  ];
}

/**
 * The rows a restored document projects, by annotation id, as the live server writes them: authors and
 * assignees from member ids to accounts through the file's `memberId` records, text made storable.
 */
export function projectDocument(doc: Y.Doc, name: string, groupId: string, accountOf: ReadonlyMap<string, string>): Map<string, ProjectionRow> {
  const room = parseRoom(name);
  const rows = new Map<string, ProjectionRow>();
  if (!room) return rows;
  const context = contextFor(room, groupId, 0);
  const votes = new Map<string, { agree: number; disagree: number }>();
  for (const [key, value] of votesOf(doc).entries()) {
    const id = parseVoteKey(key)?.annotationId;
    if (id === undefined || (value !== "agree" && value !== "disagree")) continue;
    const counts = votes.get(id) ?? { agree: 0, disagree: 0 };
    counts[value]++;
    votes.set(id, counts);
  }
  for (const [id, map] of annotationsOf(doc)) {
    const value = readAnnotation(map);
    const stored = {
      ...value,
      authorId: accountOf.get(value.authorId) ?? "",
      assignees: value.assignees.flatMap((memberId) => accountOf.get(memberId) ?? []),
    };
    rows.set(id, storableRow(projectAnnotation(stored, votes.get(id) ?? { agree: 0, disagree: 0 }, context)));
  }
  return rows;
}
