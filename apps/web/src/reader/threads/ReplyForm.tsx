import { type FormEvent, useRef, useState } from "react";
import { submitOnEnter } from "./keyboard.ts";
import { FormFeedback } from "./FormFeedback.tsx";

/** A reply box under a thread; Enter posts. */
export function ReplyForm({ onReply, note }: { onReply(body: string): string | null; note: string | null }) {
  const [body, setBody] = useState("");
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
