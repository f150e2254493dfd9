import { type FactcheckDraft, draftTouched } from "../factcheck/factcheck-draft.ts";
import { type DraftForm, writtenText } from "../sync/refusal-words.ts";
import { type Editable, changedFields } from "./edit-patch.ts";

/**
 * What a kept draft (app/drafts.ts) is, from its name and value: the forms name theirs after what they answer
 * or edit (`reply:<thread>`, `answer:<thread>`, `edit:<annotation>`); the selection popover's is `new`.
 */
export function draftSubject(name: string): { form: DraftForm; id: string } | null {
  const match = /^(reply|answer|edit):(.+)$/.exec(name);
  return match?.[1] && match[2] ? { form: match[1] as DraftForm, id: match[2] } : null;
}

/** The words written in a draft, to show the user; "" when nothing was written (an edit form opened, untouched). */
export function draftText(name: string, value: unknown): string {
  const form = draftSubject(name)?.form ?? (name === "new" ? "new" : null);
  if (form === "reply") return typeof value === "string" ? value : "";
  if (form === "answer") {
    const { draft, comment } = value as { draft: FactcheckDraft; comment: string };
    return comment.trim() || draftTouched(draft, draft.claim) ? writtenText(comment, draft) : "";
  }
  if (form === "edit") {
    const { opened, body, draft } = value as { opened: Editable; body: string; draft: FactcheckDraft | null };
    return changedFields(opened, body, draft).size > 0 ? writtenText(body, draft) : "";
  }
  if (form === "new") {
    const { mode, body, draft } = value as { mode: string; body: string; draft: FactcheckDraft };
    return writtenText(body, mode === "factcheck" ? draft : null);
  }
  return "";
}
