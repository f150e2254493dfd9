import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useDraft } from "../../app/drafts.ts";
import { useFieldError } from "../../lib/field-error.ts";
import type { AnnotationPatch } from "@marginalia/schema";
import type { Item } from "../../sync/annotation-store.ts";
import { type FactcheckDraft, draftFrom, validateDraft } from "../factcheck/factcheck-draft.ts";
import { FactcheckFields } from "../factcheck/FactcheckFields.tsx";
import { type Editable, FIELD_LABELS, changedFields, conflicts, describeValue, editPatch } from "./edit-patch.ts";
import { closeOnEscape, submitOnEnter } from "./keyboard.ts";
import { useAskBeforeDiscard } from "./ask-before-discard.tsx";
import { LockedDraft } from "./LockedDraft.tsx";
import { writtenText } from "../sync/refusal-words.ts";

type Props = {
  item: Item;
  /** Returns why the edit could not be saved, or null once it is written. */
  onSave(patch: AnnotationPatch): string | null;
  onCancel(): void;
  /** Why the edit can no longer be saved from here (locked-words.ts): what was written stays to copy. */
  locked?: string | null;
};

/** The form as written so far, and the values it opened on (what others changed since is measured from them). */
type EditDraft = { opened: Editable; body: string; draft: FactcheckDraft | null };

/** Where an open edit form of `id` is kept (app/drafts.ts): it opens again as it was after a hide or a reload. */
export const editDraftName = (id: string) => `edit:${id}`;

/**
 * Edits the body, and for a fact-check its claim, verdict, confidence and
 * sources. It writes only what the user changed here, so that what others
 * changed meanwhile in the other fields stays; where they changed a field the
 * user changed too, it says so and asks for a second Save before replacing it.
 */
export function EditAnnotationForm({ item, onSave: save, onCancel: cancel, locked = null }: Props) {
  const [kept, keep] = useDraft<EditDraft>(editDraftName(item.id));
  const [fresh] = useState<EditDraft>(() => ({ opened: { body: item.body, factcheck: item.factcheck }, body: item.body, draft: item.factcheck ? draftFrom(item.factcheck) : null }));
  const { opened, body, draft } = kept ?? fresh;
  // Kept from the moment it opens, so that it comes back open, even untouched.
  useEffect(() => {
    if (!kept) keep(fresh);
  }, [kept, keep, fresh]);
  const setBody = (next: string) => keep({ opened, draft, body: next });
  const setDraft = (next: FactcheckDraft) => keep({ opened, body, draft: next });
  // Saved or discarded, the draft is let go; a card that merely goes away, or a save refused, keeps it.
  const onSave = (patch: AnnotationPatch) => {
    const problem = save(patch);
    if (problem) return setError(problem);
    keep(undefined);
  };
  const onCancel = () => {
    keep(undefined);
    cancel();
  };
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const errorId = useId();
  useFieldError(form, error, invalid, errorId);
  // The others' values the user has seen and chose to replace, by a second Save.
  const [overruled, setOverruled] = useState<string | null>(null);

  const current: Editable = { body: item.body, factcheck: item.factcheck };
  const changed = changedFields(opened, body, draft);
  const clashes = conflicts(opened, current, changed);
  const clashKey = JSON.stringify(clashes.map((field) => [field, describeValue(current, field)]));
  // Changes not yet saved are asked about before Escape or Cancel throws them away, as in a new comment.
  const discard = useAskBeforeDiscard(changed.size > 0, onCancel, "edit");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (changed.size === 0) return onCancel();
    let value = null;
    if (draft && [...changed].some((field) => field !== "body")) {
      const checked = validateDraft(draft);
      if (!checked.ok) {
        setInvalid(checked.field ?? null);
        return setError(checked.error);
      }
      value = checked.value;
    }
    if (item.kind === "comment" && changed.has("body") && !body.trim()) {
      setInvalid("body");
      return setError("A comment cannot be empty.");
    }
    setInvalid(null);
    if (clashes.length > 0 && overruled !== clashKey) {
      setOverruled(clashKey);
      return setError("Someone else changed this since you opened it (see above). Save again to replace their change with yours, or Cancel.");
    }
    onSave(editPatch(current, body, value, changed));
  };

  if (locked) return <LockedDraft label="Your edit" text={writtenText(body, draft)} reason={locked} onDiscard={onCancel} />;
  return (
    <form
      ref={form}
      className="stack edit-form"
      onSubmit={submit}
      onKeyDown={closeOnEscape(discard.onEscape)}
      onFocus={discard.rememberField}
      aria-label="Edit annotation"
    >
      {draft && <FactcheckFields value={draft} onChange={setDraft} autoFocus />}
      <label>
        {item.kind === "factcheck" ? "Explanation" : item.kind === "highlight" ? "Note" : "Comment"}
        <textarea dir="auto" name="body" lang={item.language ?? undefined} value={body} onChange={(e) => setBody(e.target.value)} onKeyDown={submitOnEnter} rows={3} autoFocus={!draft} maxLength={20000} />
      </label>
      {clashes.length > 0 && (
        <ul className="edit-conflicts" aria-label="Changed by someone else">
          {clashes.map((field) => (
            <li key={field}>
              {FIELD_LABELS[field]} was changed by someone else since you opened this: it is now “{describeValue(current, field)}”.
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p id={errorId} className="error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary">
          Save
        </button>
        {discard.cancelButton}
      </div>
    </form>
  );
}
