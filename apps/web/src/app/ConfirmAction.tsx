import { type ReactNode, useEffect, useId, useRef, useState } from "react";

type Props = {
  /** The button's content before asking. */
  trigger: ReactNode;
  /** What the pair of buttons is, for a screen reader: "Confirm revoking CI script". */
  label: string;
  question: ReactNode;
  confirm: string;
  onConfirm(): Promise<void>;
  className?: string;
  /** The button that stops asking: "Cancel" unless named. */
  cancel?: string;
  /**
   * Whether it asks, for a caller that starts the question some other way too (a key): with it, `onAsking`
   * is told of every change, and the caller puts focus back where it belongs when the asking ends.
   */
  asking?: boolean;
  onAsking?(asking: boolean): void;
};

/**
 * A button that asks once more, in place, as deleting an annotation does (ThreadToolbar.tsx): the
 * confirming button takes the focus, and Cancel gives it back to the button that asked, so that a
 * keyboard user is not sent back to the top of the page.
 */
export function ConfirmAction({ trigger, label, question, confirm, onConfirm, className, cancel = "Cancel", ...controlled }: Props) {
  const [askingHere, setAskingHere] = useState(false);
  const asking = controlled.asking ?? askingHere;
  const setAsking = controlled.onAsking ?? setAskingHere;
  const [busy, setBusy] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const questionId = useId();

  useEffect(() => {
    if (asking || !refocus.current) return;
    refocus.current = false;
    button.current?.focus();
  }, [asking]);

  const stopAsking = () => {
    refocus.current = controlled.asking === undefined;
    setAsking(false);
  };

  if (!asking) {
    return (
      <button ref={button} type="button" className={className} onClick={() => setAsking(true)}>
        {trigger}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={label}>
      <span className="confirm-note" id={questionId}>
        {question}
      </span>
      <button
        type="button"
        className="danger"
        disabled={busy}
        aria-describedby={questionId}
        autoFocus
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            // What was confirmed may have taken this control away (a revoked token's row); if not, it asks no more.
            stopAsking();
          }
        }}
      >
        {confirm}
      </button>
      <button type="button" disabled={busy} onClick={stopAsking}>
        {cancel}
      </button>
    </span>
  );
}
