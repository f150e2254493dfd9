import type { Tx } from "../../db.ts";
import type { ModerationStep } from "../authorize/authorize.ts";
import type { DocContext, ProjectionRow } from "./projection.ts";

/** What one commit projects for one document. */
export type CommittedDoc = {
  context: DocContext;
  upserts: readonly ProjectionRow[];
  removed: readonly string[];
  /** Who made the change to each annotation in this commit, by account. */
  writers: ReadonlyMap<string, string | null>;
};

/**
 * Work that follows from a commit, registered by the module that owns it (apps/server/src/hooks/),
 * the way hocuspocus extensions register `onStoreDocument`: the commit knows only that hooks exist
 * (docs/architecture.md, "Persistence and the commit").
 */
export type CommitHook = {
  name: string;
  /**
   * Whether the hook has anything to do for this document's rows, decided without a query: a commit
   * that no hook wants stays one statement, log and projection together.
   */
  wants(doc: CommittedDoc): boolean;
  /** In the commit's transaction, before the projection is written: rows still hold their previous values. */
  beforeProjection?(tx: Tx, doc: CommittedDoc): Promise<void>;
  /** In the commit's transaction, after the projection is written. */
  afterProjection?(tx: Tx, doc: CommittedDoc): Promise<void>;
  /** Once the commit has landed, outside its transaction; it cannot fail the commit. */
  afterCommit?(docs: readonly CommittedDoc[]): void;
};

/** Side effects of the realtime core that belong to other modules. */
export type SyncHooks = {
  commit: readonly CommitHook[];
  /** A moderator's moderation step over a socket, to be logged as the REST steps are. */
  moderated(context: DocContext, step: ModerationStep, authorAccount: string | null, moderatorAccount: string): Promise<void>;
};

export const NO_HOOKS: SyncHooks = { commit: [], moderated: async () => {} };
