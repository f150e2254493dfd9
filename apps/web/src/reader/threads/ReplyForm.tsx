import { type FormEvent, useRef, useState } from "react";
import { submitOnEnter } from "./keyboard.ts";
import { FormFeedback } from "./FormFeedback.tsx";
import { useDraft } from "../../app/drafts.ts";
import { LockedDraft } from "./LockedDraft.tsx";

type Props = {
  onReply(body: string): string | null;
  note: string | null;
  draft: string;
  /**
   * Why a reply can no longer be sent from here (locked-words.ts): what is typed stays, read-only, to copy
   * or discard, rather than going with the form.
   */
  locked?: string | null;
};

/** A reply box under a thread; Enter posts. `draft` names what is typed, kept while the thread is away or the page reloads (app/drafts.ts). */
export function ReplyForm({ onReply, note, draft, locked = null }: Props) {
  const [kept, keep] = useDraft<string>(draft);
  const body = kept ?? "";
  const setBody = (next: string) => keep(next || undefined);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = body.trim();
    if (!text) return;
    const problem = onReply(text);
    if (problem) setError(problem);
    else {
      setBody("");
      setError(null);
      // The send button is disabled by the empty box; focus would fall to the page with it.
      box.current?.focus();
    }
  };

  if (locked) return <LockedDraft label="Reply" text={body} reason={locked} onDiscard={() => keep(undefined)} />;
  return (
    <form className="reply-form" onSubmit={submit}>
      <textarea
        ref={box}
        dir="auto"
        aria-label="Reply"
        placeholder="Reply…"
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={submitOnEnter}
        rows={1}
        maxLength={20000}
      />
      <button type="submit" disabled={!body.trim()}>
        Send reply
      </button>
      <FormFeedback note={note} error={error} />
    </form>
  );
}
