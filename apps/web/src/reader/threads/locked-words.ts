import type { SessionEnd } from "../../sync/doc-session.ts";
import type { DraftForm } from "../sync/refusal-words.ts";
import { type Reader, canEdit } from "../permissions/permissions.ts";

/**
 * Why a form left open can no longer send what it holds: the live connection ended (`SessionEnd`), the
 * thread was hidden or rejected by a moderator (it takes no replies, whoever the reader is), or the reader's
 * role no longer allows it.
 */
export type LockReason = SessionEnd | "hidden" | "rejected" | "role";

/** The forms that lock: those naming an annotation, and a new comment or fact-check (highlights/SelectionPopover.tsx). */
export type LockedForm = DraftForm | "comment" | "factcheck";

const VERB: Record<LockedForm, string> = {
  reply: "This reply was not sent",
  answer: "This answer was not sent",
  edit: "This edit was not saved",
  comment: "This comment was not posted",
  factcheck: "This fact-check was not saved",
};

// An edit can stop being allowed for more than the role (an approved submission is not edited in some groups).
const NOT_ALLOWED: Record<LockedForm, string> = {
  reply: "your role in this group no longer allows replies",
  answer: "your role in this group no longer allows answers",
  edit: "you can no longer edit this annotation",
  comment: "your role in this group no longer allows new annotations",
  factcheck: "your role in this group no longer allows new annotations",
};

const WHY: Record<Exclude<LockReason, "closed" | "role">, string> = {
  access: "you no longer have access to this article",
  gone: "this article was deleted",
  signedOut: "you were signed out. Sign in again to keep working",
  renamed: "the group is now anonymous to peers, and the page must be reloaded to keep working",
  hidden: "a moderator hid this thread, which takes nothing more while hidden",
  rejected: "a moderator rejected this thread, which takes nothing more",
};

/** What a locked form says under the text it keeps to copy (LockedDraft.tsx). */
export function lockedWords(form: LockedForm, reason: LockReason): string {
  // A close the page has no words for is told as it is, without guessing at a cause.
  if (reason === "closed") return `The live connection ended; ${VERB[form].replace(/^T/, "t")}. Copy it to keep it.`;
  return `${VERB[form]}: ${reason === "role" ? NOT_ALLOWED[form] : WHY[reason]}. Copy it to keep it.`;
}

/** Why a reply (or an answer) to `root` cannot be sent: the ending first, then the thread, then the role. */
export function replyLock(ended: SessionEnd | null, root: { status: string }): LockReason {
  if (ended) return ended;
  if (root.status === "hidden" || root.status === "rejected") return root.status;
  return "role";
}

/** An edit form left open that can no longer save (the connection ended, or the role no longer allows it) keeps its text to copy. */
export function editLock(item: Parameters<typeof canEdit>[0], reader: Reader, ended: SessionEnd | null): string | null {
  if (ended) return lockedWords("edit", ended);
  return canEdit(item, reader) ? null : lockedWords("edit", "role");
}

/** Why a new comment or fact-check can no longer be posted (the connection ended, or the role no longer allows it); null while it can. */
export function newWorkLock(form: "comment" | "factcheck", writable: boolean, ended: SessionEnd | null): string | null {
  if (ended) return lockedWords(form, ended);
  return writable ? null : lockedWords(form, "role");
}
