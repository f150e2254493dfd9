import { useId, useRef } from "react";
import { CopyTextButton } from "../CopyTextButton.tsx";

type Props = { label: string; text: string; reason: string; onDiscard(): void };

/**
 * A form whose text can no longer be sent from this page (threads/locked-words.ts): what was written stays,
 * read-only, to copy, until the reader lets it go.
 */
export function LockedDraft({ label, text, reason, onDiscard }: Props) {
  const box = useRef<HTMLTextAreaElement>(null);
  const reasonId = useId();
  return (
    <div className="reply-form locked-draft">
      <textarea
        ref={box}
        dir="auto"
        aria-label={label}
        aria-describedby={reasonId}
        readOnly
        value={text}
        rows={Math.min(6, text.split("\n").length + 1)}
      />
      <CopyTextButton text={text} source={box} />
      <button type="button" className="link-button" onClick={onDiscard}>
        Discard
      </button>
      <p className="hint" id={reasonId}>
        {reason}
      </p>
    </div>
  );
}
