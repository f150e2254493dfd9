import { bigint, index, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts.ts";
import { bytea, createdAt, updatedAt } from "./columns.ts";

/** Append-only log of Yjs updates, one row per accepted update (docs/architecture.md, "Persistence and the commit"). */
export const docUpdates = pgTable(
  "doc_updates",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    docName: text("doc_name").notNull(),
    update: bytea("update").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("doc_updates_doc_idx").on(t.docName, t.id)],
);

/** The merged state of a document up to the log rows that compaction folded in. */
export const docSnapshots = pgTable("doc_snapshots", {
  docName: text("doc_name").primaryKey(),
  state: bytea("state").notNull(),
  /** The highest doc_updates.id folded into `state`. */
  throughUpdateId: bigint("through_update_id", { mode: "number" }).notNull(),
  /**
   * SHA-256 of `state`, written with it. A snapshot whose bytes still match can
   * be sent to joining clients as it is, before the server has built a Y.Doc
   * from it (and so before anything has checked that it parses).
   */
  stateHash: bytea("state_hash"),
  /**
   * The state vector of `state`, written with it, so that a load of a
   * verified snapshot has the server's sync step 1 without reading every
   * struct (a tenth of a second of CPU for 10 MB). Null for snapshots written
   * before it was kept, whose loads read it from the state.
   */
  stateVector: bytea("state_vector"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Who writes under each Yjs client id of a document, kept beside its log so
 * that a claim outlives unloads and restarts (apps/server/src/sync/authorize/client-ids.ts).
 */
export const docClientIds = pgTable(
  "doc_client_ids",
  {
    docName: text("doc_name").notNull(),
    clientId: bigint("client_id", { mode: "number" }).notNull(),
    /** The writer's member id (member_ids), as the document's authorization knows them; the nil UUID for a server's own id (client-ids.ts). */
    memberId: uuid("member_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.docName, t.clientId] })],
);

