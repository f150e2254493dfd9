import type { AnnotationValue, Verdict } from "@marginalia/schema";
import { KIND_LABELS, VERDICT_LABELS } from "../highlights/highlight-style.ts";

/**
 * What the reader says after the server refused an update of ours and the page took the server's copy
 * again (sync/doc-session.ts). `kept`: our new annotations the server never had, written again into that
 * copy (sync/salvage.ts); the rest of what was unsaved, edits and deletions, was dropped.
 */
export function refusalNotice(reason: string, kept: number): string {
  const refused = `The server refused one of your changes (${reason}), so this article was reloaded from the server.`;
  if (kept === 0) return `${refused} What you wrote since your last saved change was discarded.`;
  const what = kept === 1 ? "Your new annotation was kept and sent again" : `Your ${kept} new annotations were kept and sent again`;
  return `${refused} ${what}; your other unsaved changes were discarded.`;
}

/**
 * What became of an annotation whose unsaved edit the server's copy took away (sync/unsent-edits.ts), as
 * the server answers for it now: published in the group's document (a submission approved meanwhile), or
 * no longer to be read (deleted, or hidden by a moderator).
 */
export type LostEditFate = "approved" | "gone";

export function lostEditNotice(value: AnnotationValue, fate: LostEditFate): string {
  const what = value.parentId ? "your reply" : `your ${KIND_LABELS[value.kind].toLowerCase()}`;
  if (fate === "approved") {
    const approved = `Your edit to ${what} could not be applied: a moderator approved it before the edit reached the server, so it is now published to the group as submitted, without your edit.`;
    // A published fact-check is locked to its author, delete included (policy: LOCKED_FACTCHECK); other work she may still withdraw.
    const instead =
      value.kind === "factcheck"
        ? "A published fact-check is locked: only a moderator can change or hide it. Flag it to tell the moderators what should change; once one hides it, you can submit a new version."
        : "An approved annotation cannot be edited in this group: to change it, delete it and submit a new version.";
    return `${approved} ${instead} What you wrote is below.`;
  }
  return `Your edit to ${what} could not be applied: it was deleted, or hidden by a moderator, before the edit reached the server. What you wrote is below.`;
}

/** The words an edit that could not be applied held, for its writer to copy. */
export const editedText = (value: AnnotationValue): string => writtenText(value.body, value.factcheck);

/**
 * Work of ours the server may never have had (written offline, or sent with no acknowledgement yet), held
 * when the live connection ended for good, which nothing can send any more (sync/doc-session.ts, `stop`):
 * `mine` changes to our own annotations, whose text is below, and `others` to other members' (a resolve,
 * an assignment), whose words are theirs and are not quoted as ours.
 */
export function unsendableNotice(mine: number, others: number): string {
  const lines: string[] = [];
  const tail = "may not have been saved before the connection ended, and can no longer be sent from this page.";
  if (mine > 0) lines.push(`${mine === 1 ? "Your last change" : `Your last ${mine} changes`} ${tail} What you wrote is below.`);
  if (others > 0) {
    const what = others === 1 ? "Your change to another member's annotation" : `Your changes to ${others} annotations of other members`;
    lines.push(`${what} ${mine > 0 ? "may not have been saved either." : tail}`);
  }
  return lines.join(" ");
}

/** The text of unsent work to copy: a highlight, which holds no words of its own, by the passage it marks. */
export const unsentText = (unsent: readonly AnnotationValue[]): string =>
  unsent
    .map((value) => editedText(value) || (value.target ? `Highlight: “${value.target.exact}”` : ""))
    .filter(Boolean)
    .join("\n\n");

/**
 * A body and a fact-check as lines to copy, from a stored value or a form's draft (whose verdict may not be
 * chosen yet, and whose sources may be blank rows).
 */
export function writtenText(body: string, factcheck: { claim: string; verdict: Verdict | ""; sources: Array<{ url: string; title?: string }> } | null): string {
  const lines: string[] = [];
  if (factcheck) {
    lines.push(`Claim: ${factcheck.claim}`);
    if (factcheck.verdict) lines.push(`Verdict: ${VERDICT_LABELS[factcheck.verdict]}`);
    for (const source of factcheck.sources) if (source.url || source.title) lines.push(`Source: ${source.title ? `${source.title} ` : ""}${source.url}`);
  }
  if (body) lines.push(body);
  return lines.join("\n");
}

/** Replies of ours that the server stored after their thread was hidden, and so hid with it (use-withheld-replies.ts). */
export function withheldReplyNotice(count: number): string {
  const what = count === 1 ? "Your reply was" : `Your ${count} replies were`;
  return `${what} saved, but a moderator had hidden the thread meanwhile, so only moderators can see ${count === 1 ? "it" : "them"} now; ${count === 1 ? "it comes" : "they come"} back if they unhide the thread. What you wrote is below.`;
}

/** The forms whose drafts name an annotation (reader/threads/draft-text.ts). */
export type DraftForm = "reply" | "edit" | "answer";

const DRAFT_WORDS: Record<DraftForm | "new", { yours: string; on: string }> = {
  reply: { yours: "your reply", on: "the annotation you were replying to" },
  edit: { yours: "your edit", on: "the annotation you were editing" },
  answer: { yours: "your answer", on: "the fact-check you were answering" },
  new: { yours: "your new comment or fact-check", on: "" },
};

/** Why the server no longer shows us an annotation: it was deleted or hidden, or we lost access to its article. */
export type GoneFate = "gone" | "access";

/** A draft let go because its annotation left this page's documents and the server no longer shows it to us. */
export function goneDraftNotice(form: DraftForm, fate: GoneFate = "gone"): string {
  const { yours, on } = DRAFT_WORDS[form];
  const why = fate === "access" ? "you no longer have access to this article" : `${on} was deleted, or hidden by a moderator`;
  return `${yours.replace(/^y/, "Y")} was not sent: ${why}. What you wrote is below.`;
}

/** Another tab's text of a draft, older than the one this page opened with (app/draft-slots.ts, `claim`). */
export function setAsideDraftNotice(form: DraftForm | "new"): string {
  const { yours } = DRAFT_WORDS[form];
  return `You were also writing ${yours} in another tab. The text written last is in the form; the other is below.`;
}

/** A comment or fact-check being written on a passage that a loaded correction changed or removed. */
export function reanchorLostNotice(mode: "comment" | "factcheck"): string {
  const yours = mode === "factcheck" ? "Your new fact-check" : "Your new comment";
  return `${yours} was not sent: the new revision of the article changed the passage it was on. Select the passage again to post it. What you wrote is below.`;
}
