import { createSchemaFactory } from "drizzle-zod";
import { z } from "zod";
import { groupInsertSchema, userInsertSchema } from "@marginalia/schema";
import {
  annotationTombstones,
  annotations,
  articleRevisions,
  articles,
  docClientIds,
  flags,
  groupInvitations,
  groups,
  memberIds,
  memberships,
  moderationLog,
  notifications,
} from "@marginalia/schema/tables";

/**
 * The backup file (docs/backup.md): JSON Lines, gzip'd, one record a line,
 * each with a `type`. The row records are the tables' own columns, so their
 * schemas come from the tables; dates travel as ISO strings and are coerced
 * back here.
 */
export const BACKUP_FORMAT = "marginalia-backup";
export const BACKUP_VERSION = 1;

const { createSelectSchema } = createSchemaFactory({ coerce: { date: true } });

export const headerSchema = z.object({
  type: z.literal("header"),
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.iso.datetime(),
  groupId: z.uuid(),
});

const row = <T extends string, Shape extends z.ZodRawShape>(type: T, schema: z.ZodObject<Shape>) =>
  schema.extend({ type: z.literal(type) });

const documentSchema = z.object({
  type: z.literal("document"),
  name: z.string().min(1),
  /** The stored snapshot and log merged into one Yjs update, base64; null when only client-id claims are stored. */
  state: z.base64().nullable(),
  clientIds: z.array(createSelectSchema(docClientIds).omit({ docName: true })),
});

const accountSchema = z.object({
  type: z.literal("account"),
  id: z.uuid(),
  email: z.string().min(3).max(254),
  // The rules the API and the CLI apply to a name (one line, no direction overrides, 100 characters).
  name: userInsertSchema.shape.name,
});

const endSchema = z.object({ type: z.literal("end"), counts: z.record(z.string(), z.number().int().nonnegative()) });

export const recordSchema = z.discriminatedUnion("type", [
  row("group", createSelectSchema(groups).extend({ name: groupInsertSchema.shape.name })),
  // Documents name members by these ids, so they are kept as they are; only the accounts behind them may change.
  row("memberId", createSelectSchema(memberIds).omit({ groupId: true })),
  row("member", createSelectSchema(memberships).omit({ groupId: true })),
  row("invitation", createSelectSchema(groupInvitations)),
  // A file written before articles kept how far re-anchoring got has none to give: 1, so that whatever a
  // correction left on an earlier revision is moved when the article is next read (anchoring/resume.ts).
  row("article", createSelectSchema(articles).extend({ anchoredRevision: z.number().int().min(1).default(1) })),
  row("revision", createSelectSchema(articleRevisions)),
  // The search vector is generated from the other columns. A file written before annotations had an edited
  // mark or a language has none to give: null, as the columns read for an annotation never edited, or whose
  // language nobody gave.
  row(
    "annotation",
    createSelectSchema(annotations)
      .omit({ search: true })
      .extend({ editedAt: z.coerce.date().nullable().default(null), language: z.string().nullable().default(null) }),
  ),
  row("tombstone", createSelectSchema(annotationTombstones)),
  // These three have identity ids, which the restoring database assigns afresh (in file order).
  row("moderation", createSelectSchema(moderationLog).omit({ id: true })),
  row("flag", createSelectSchema(flags).omit({ id: true })),
  row("notification", createSelectSchema(notifications).omit({ id: true })),
  documentSchema,
  accountSchema,
  endSchema,
]);

export type BackupRecord = z.infer<typeof recordSchema>;
export type RecordType = BackupRecord["type"];
export type RecordOf<T extends RecordType> = Extract<BackupRecord, { type: T }>;
export type Header = z.infer<typeof headerSchema>;

/**
 * The columns of each row record that hold user ids: what the backup lists
 * accounts for, and what a restore rewrites when an email belongs to another
 * id on the restoring side.
 */
export const USER_COLUMNS: { [T in RecordType]?: string[] } = {
  group: ["createdBy"],
  memberId: ["userId"],
  member: ["userId"],
  invitation: ["invitedBy"],
  article: ["createdBy"],
  revision: ["authorId"],
  annotation: ["authorId", "assignees"],
  moderation: ["actorId"],
  flag: ["userId"],
  notification: ["userId", "actorId"],
};
