import { type FormEvent, useState } from "react";
import { useDraft } from "../../app/drafts.ts";
import type { Factcheck } from "@marginalia/schema";
import type { Item } from "../../sync/annotation-store.ts";
import { FactcheckFields } from "../factcheck/FactcheckFields.tsx";
import { type FactcheckDraft, emptyDraft, validateDraft } from "../factcheck/factcheck-draft.ts";
import { closeOnEscape, submitOnEnter } from "./keyboard.ts";
import { FormFeedback } from "./FormFeedback.tsx";
import { LockedDraft } from "./LockedDraft.tsx";
import { writtenText } from "../sync/refusal-words.ts";

type Props = {
  root: Item;
  note: string | null;
  onAnswer(body: string, factcheck: Factcheck): string | null;
  /** Why an answer can no longer be sent from here (locked-words.ts): one being written stays to copy. */
  locked?: string | null;
};

/** The claim an answer judges: the fact-check's own, else the quoted passage. */
const claimOf = (root: Item) => (root.factcheck?.claim ?? root.target?.exact ?? root.body).slice(0, 5_000);

/**
 * An assignee's answer: a verdict with sources and an optional comment,
 * posted as a verdict reply (a comment carrying a fact-check value).
 */
export function AnswerForm({ root, note, onAnswer, locked = null }: Props) {
  // The open form is its draft: kept while the thread is away or the page reloads (app/drafts.ts).
  const [kept, keep] = useDraft<{ draft: FactcheckDraft; comment: string }>(`answer:${root.id}`);
  const [error, setError] = useState<string | null>(null);
  const close = () => keep(undefined);

  if (locked) return kept ? <LockedDraft label="Your answer" text={writtenText(kept.comment, kept.draft)} reason={locked} onDiscard={close} /> : null;
  if (!kept) {
    return (
      <button type="button" onClick={() => keep({ draft: emptyDraft(claimOf(root)), comment: "" })}>
        Answer
      </button>
    );
  }

  const { draft, comment } = kept;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validateDraft(draft);
    const problem = checked.ok ? onAnswer(comment.trim(), checked.value) : checked.error;
    if (problem) return setError(problem);
    close();
    setError(null);
  };

  return (
    <form className="answer-form edit-form" aria-label="Answer" onSubmit={submit} onKeyDown={closeOnEscape(close)}>
      <FactcheckFields value={draft} onChange={(next) => keep({ ...kept, draft: next })} autoFocus />
      <label>
        Comment (optional)
        <textarea dir="auto" value={comment} onChange={(e) => keep({ ...kept, comment: e.target.value })} onKeyDown={submitOnEnter} rows={2} maxLength={20_000} />
      </label>
      <div className="row-form">
        <button type="submit">Send answer</button>
        <button type="button" className="link-button" onClick={close}>
          Cancel
        </button>
      </div>
      <FormFeedback note={note} error={error} />
    </form>
  );
}
