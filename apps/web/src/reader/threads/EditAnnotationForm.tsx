import { type FormEvent, useState } from "react";
import type { AnnotationPatch } from "@marginalia/schema";
import type { Item } from "../../sync/annotation-store.ts";
import { type FactcheckDraft, draftFrom, validateDraft } from "../factcheck/factcheck-draft.ts";
import { FactcheckFields } from "../factcheck/FactcheckFields.tsx";
import { closeOnEscape, submitOnEnter } from "./keyboard.ts";

type Props = { item: Item; onSave(patch: AnnotationPatch): void; onCancel(): void };

/** Edits the body, and for a fact-check its claim, verdict, confidence and sources. */
export function EditAnnotationForm({ item, onSave, onCancel }: Props) {
  const [body, setBody] = useState(item.body);
  const [draft, setDraft] = useState<FactcheckDraft | null>(item.factcheck ? draftFrom(item.factcheck) : null);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const patch: AnnotationPatch = { body: body.trim() };
    if (draft) {
      const checked = validateDraft(draft);
      if (!checked.ok) return setError(checked.error);
      patch.factcheck = checked.value;
    } else if (item.kind === "comment" && !patch.body) return setError("A comment cannot be empty.");
    onSave(patch);
  };

  return (
    <form
      className="stack edit-form"
      onSubmit={submit}
      onKeyDown={closeOnEscape(onCancel)}
      aria-label="Edit annotation"
    >
      {draft && <FactcheckFields value={draft} onChange={setDraft} autoFocus />}
      <label>
        {item.kind === "factcheck" ? "Explanation" : item.kind === "highlight" ? "Note" : "Comment"}
        <textarea dir="auto" value={body} onChange={(e) => setBody(e.target.value)} onKeyDown={submitOnEnter} rows={3} autoFocus={!draft} maxLength={20000} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
