import {
  type AnnotationPatch,
  type Factcheck,
  type ModerationMode,
  type Role,
  type TextTarget,
  type VoteValue,
  createAnnotation,
  deleteAnnotation,
  setVote,
  updateAnnotation,
} from "@marginalia/schema";
import { flagAnnotation } from "../../api/annotations.ts";
import { type ModerationAction, moderate } from "../../api/moderation.ts";
import type { Item } from "../../sync/annotation-store.ts";
import type { NewAnnotationInput } from "../highlights/SelectionPopover.tsx";
import type { TextMap } from "../highlights/text-map.ts";
import { canWrite, placementFor, replyPlacement } from "../permissions/permissions.ts";
import type { Sessions } from "./use-doc-sessions.ts";

export type ReaderActions = {
  /**
   * Returns an error message, or null when the annotation was created. The target is the one the popover
   * shows, built on the revision it was selected in: on any other its offsets point elsewhere.
   */
  create(target: TextTarget, input: NewAnnotationInput): string | null;
  /** A reply; with a fact-check value it is a verdict reply, an assignee's answer. */
  reply(parent: Item, body: string, factcheck?: Factcheck): string | null;
  assign(item: Item, assignees: string[], dueAt: number | null): void;
  /** Returns an error message, or null when the edit was written. */
  edit(item: Item, patch: AnnotationPatch): string | null;
  remove(item: Item): void;
  setResolved(item: Item, resolved: boolean): void;
  vote(item: Item, value: VoteValue | null): void;
  moderate(item: Item, action: ModerationAction): Promise<unknown>;
  flag(item: Item, reason: string): Promise<unknown>;
};

type Context = { sessions: Sessions; map: TextMap<Text> | null; revision: number; me: string; role: Role; moderation: ModerationMode; reviewQuorum: number };

/**
 * Every change the reader makes. Annotations, replies, votes and edits go
 * straight into the live document (instant for everyone, and kept offline);
 * moderation goes through the REST API, which also logs it and tells the author.
 */
export function makeActions({ sessions, map, revision, me, role, moderation, reviewQuorum }: Context): ReaderActions {
  // A session stopped for good sends nothing more: what is written into it after that is lost unseen, or, its
  // stored copy kept, sent on a later visit as if written with access (docs/architecture.md). The page
  // stops offering these actions then; this holds for a form it has not caught up with yet.
  const docOf = (source: Item["source"]) => {
    const session = sessions[source];
    return session && session.getState().connection !== "stopped" ? session.doc : null;
  };

  return {
    create(target, input) {
      if (!map) return "The article is still loading.";
      // A form opened before a demotion the page has not caught up with yet: the server would refuse it.
      if (!canWrite(role)) return "Your role in this group no longer allows new annotations.";
      if (target.revision !== revision) return "The article has changed since you selected this passage. Select it again.";
      const placement = placementFor(input.kind, role, moderation, input.onlyMe, reviewQuorum);
      const doc = docOf(placement.room);
      if (!doc) return sessions[placement.room] ? ENDED : "You cannot annotate this article.";
      if (target.exact.length > 20_000) return "Select a shorter passage (at most 20,000 characters).";
      createAnnotation(doc, {
        kind: input.kind,
        authorId: me,
        target,
        body: input.body,
        factcheck: input.factcheck,
        status: placement.status,
      });
      return null;
    },
    reply(parent, body, factcheck) {
      const placement = replyPlacement(parent.source, role, moderation, reviewQuorum, factcheck != null);
      const doc = docOf(placement.room);
      if (!doc) return sessions[placement.room] ? ENDED : "You cannot reply here.";
      createAnnotation(doc, { kind: "comment", authorId: me, body, factcheck, parentId: parent.id, target: parent.target, status: placement.status });
      return null;
    },
    assign(item, assignees, dueAt) {
      const doc = docOf(item.source);
      if (doc) updateAnnotation(doc, item.id, { assignees, dueAt });
    },
    edit(item, patch) {
      const doc = docOf(item.source);
      if (!doc) return sessions[item.source] ? ENDED : "You cannot edit this.";
      updateAnnotation(doc, item.id, patch);
      return null;
    },
    remove(item) {
      const doc = docOf(item.source);
      if (doc) deleteAnnotation(doc, item.id);
    },
    setResolved(item, resolved) {
      const doc = docOf(item.source);
      if (doc) updateAnnotation(doc, item.id, { resolved });
    },
    vote(item, value) {
      const doc = docOf("group");
      if (doc && item.source === "group") setVote(doc, item.id, me, value);
    },
    moderate: (item, action) => moderate(item.id, action),
    flag: (item, reason) => flagAnnotation(item.id, reason),
  };
}

const ENDED = "The live connection has ended: nothing more can be saved from this page. Copy what you wrote to keep it.";
