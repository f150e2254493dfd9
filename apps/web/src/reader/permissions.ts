import { type AnnotationKind, type AnnotationStatus, type ModerationMode, type Role, roleAtLeast } from "@marginalia/schema";
import type { DocSource, Item } from "../sync/annotation-store.ts";

/**
 * What the reader offers each role. It mirrors the server's rules
 * (apps/server/src/sync/policy.ts) so that the app never sends an update the
 * server would refuse: a refusal costs the user their unsaved work (4403).
 */
export const canWrite = (role: Role) => roleAtLeast(role, "annotator");
export const canModerate = (role: Role) => roleAtLeast(role, "moderator");

type Owned = Pick<Item, "authorId" | "kind" | "status" | "source">;

/** A published fact-check is locked to all but moderators. */
export const isLocked = (a: Owned, role: Role) => a.kind === "factcheck" && a.status === "published" && !canModerate(role);

export const canEdit = (a: Owned, me: string, role: Role) => canWrite(role) && a.authorId === me && !isLocked(a, role);
export const canDelete = canEdit;
export const canResolve = (a: Owned, me: string, role: Role) => (canModerate(role) && a.source === "group") || canEdit(a, me, role);
export const canVote = (a: Owned, role: Role) => canWrite(role) && a.source === "group";
/** Assignees and a due time: the author of a group annotation (unless it is locked) or a moderator; private work has nobody to ask. */
export const canAssign = (a: Owned, me: string, role: Role) => a.source === "group" && (canModerate(role) || canEdit(a, me, role));
export const canReply = (a: Owned, role: Role) => canWrite(role) && a.status !== "rejected" && a.status !== "hidden";

/** Moderation through the REST API, which also logs it and tells the author. */
export function moderatorActions(a: Owned, role: Role): Array<"publish" | "hide" | "unhide"> {
  if (!canModerate(role) || a.source !== "group") return [];
  if (a.status === "hidden") return ["unhide"];
  if (a.status === "draft" || a.status === "pending") return ["publish", "hide"];
  return a.status === "published" ? ["hide"] : [];
}

/** Who sees an item: hidden ones only moderators, as the REST API does. */
export const isVisible = (a: Owned, me: string, role: Role) => a.status !== "hidden" || canModerate(role) || a.authorId === me;

export type Placement = { source: DocSource; status: AnnotationStatus; note: string | null };

/** Where a new annotation goes, and with which status. */
export function placementFor(kind: AnnotationKind, role: Role, moderation: ModerationMode, onlyMe: boolean): Placement {
  if (onlyMe) return { source: "private", status: "published", note: null };
  if (canModerate(role)) return { source: "group", status: "published", note: null };
  if (moderation === "pre") {
    return { source: "private", status: "pending", note: "This group is pre-moderated: a moderator reviews your work before others see it." };
  }
  if (kind === "factcheck") return { source: "group", status: "pending", note: "Fact-checks are published by a moderator after review." };
  return { source: "group", status: "published", note: null };
}

/** A reply lives next to its parent: private with private notes, else as any new comment. */
export function replyPlacement(parent: Owned, role: Role, moderation: ModerationMode): Placement {
  if (parent.source === "private") return { source: "private", status: "published", note: null };
  return placementFor("comment", role, moderation, false);
}
