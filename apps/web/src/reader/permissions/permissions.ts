import {
  type Actor,
  type AnnotationStatus,
  type ModerationMode,
  type Role,
  STATUS_ACTIONS,
  type StatusAction,
  canSee,
  refuseConfirm,
  refuseDelete,
  refuseFieldEdit,
  refuseModeration,
  refuseReply,
  refuseVote,
} from "@marginalia/schema";
import type { Item } from "../../sync/annotation-store.ts";

/**
 * What the reader offers each reader, asked of the shared rules
 * (packages/schema/src/policy) that the server enforces, so that the app never
 * sends an update the server would refuse: a refusal costs the user their
 * unsaved work (4403).
 */
export { canModerate, canWrite, placementFor, type Placement } from "@marginalia/schema";

/** Who is reading, and the group's moderation mode and review quorum. */
export type Reader = { me: string; role: Role; moderation: ModerationMode; reviewQuorum?: number };

type Owned = Pick<Item, "authorId" | "kind" | "status" | "source">;

const actorOn = (a: Owned, r: Reader): Actor => ({ userId: r.me, role: r.role, moderation: r.moderation, reviewQuorum: r.reviewQuorum, room: { kind: a.source } });

export const canEdit = (a: Owned, r: Reader) => refuseFieldEdit(actorOn(a, r), a, "body", null) === null;
export const canDelete = (a: Owned, r: Reader) => refuseDelete(actorOn(a, r), a) === null;
export const canResolve = (a: Owned, r: Reader) => refuseFieldEdit(actorOn(a, r), a, "resolved", true) === null;
export const canVote = (a: Owned, r: Reader) => refuseVote(actorOn(a, r), a) === null;
/** Assignees and a due time; private work has nobody to ask. */
export const canAssign = (a: Owned, r: Reader) => refuseFieldEdit(actorOn(a, r), a, "assignees", [r.me]) === null;
/** A status its author (or a moderator) may give it: the rules of moderation, as a socket update meets them. */
export const canSetStatus = (a: Owned, r: Reader, to: AnnotationStatus) => refuseFieldEdit(actorOn(a, r), a, "status", to) === null;
/** Confirming a stale verdict against the new text, through the REST API. */
export const canConfirm = (a: Owned, r: Reader) => refuseConfirm(actorOn(a, r), a) === null;
export const canReply = (a: Owned, r: Reader) => refuseReply(actorOn(a, r), a) === null;

/** Moderation through the REST API, which also logs it and tells the author. */
export const moderatorActions = (a: Owned, r: Reader): StatusAction[] =>
  (Object.keys(STATUS_ACTIONS) as StatusAction[]).filter((action) => refuseModeration(r.role, a.source, action, a.status) === null);

export const isVisible = (a: Owned, role: Role) => canSee(a, role);

export { replyPlacement } from "@marginalia/schema";
