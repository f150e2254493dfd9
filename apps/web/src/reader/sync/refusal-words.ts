import type { AnnotationValue } from "@marginalia/schema";
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
    return `Your edit to ${what} could not be applied: a moderator approved it before the edit reached the server, so it is now published to the group as submitted, without your edit. An approved annotation cannot be edited in this group: to change it, withdraw it and submit a new version. What you wrote is below.`;
  }
  return `Your edit to ${what} could not be applied: it was deleted, or hidden by a moderator, before the edit reached the server. What you wrote is below.`;
}

/** The words an edit that could not be applied held, for its writer to copy. */
export function editedText(value: AnnotationValue): string {
  const lines: string[] = [];
  if (value.factcheck) {
    lines.push(`Claim: ${value.factcheck.claim}`, `Verdict: ${VERDICT_LABELS[value.factcheck.verdict]}`);
    for (const source of value.factcheck.sources) lines.push(`Source: ${source.title ? `${source.title} ` : ""}${source.url}`);
  }
  if (value.body) lines.push(value.body);
  return lines.join("\n");
}
