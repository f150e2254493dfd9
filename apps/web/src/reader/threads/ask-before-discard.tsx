import { type FocusEvent, useRef, useState } from "react";
import { ConfirmAction } from "../../app/ConfirmAction.tsx";

/**
 * A form that holds something written asks before it is thrown away, on Escape as on Cancel: nothing of it is
 * stored anywhere yet, and one stray key would lose it. A second Escape goes back to writing, as Escape keeps a
 * thread in its delete question, with focus on the field last written in. An untouched form closes at once.
 * `what` names it in the question's label: "Discard this comment".
 */
export function useAskBeforeDiscard(typed: boolean, discard: () => void, what: string) {
  const [asking, setAsking] = useState(false);
  const field = useRef<HTMLElement | null>(null);
  const ask = (yes: boolean) => {
    setAsking(yes);
    if (!yes) requestAnimationFrame(() => field.current?.focus());
  };
  return {
    /** For the form's onFocus: remembers the field to come back to. */
    rememberField(event: FocusEvent<HTMLElement>) {
      if (event.target.matches("input, select, textarea")) field.current = event.target;
    },
    onEscape() {
      if (asking) ask(false);
      else if (typed) ask(true);
      else discard();
    },
    /** For whatever else would close the form: asks when something is written, and says whether it did. */
    holds() {
      if (typed) setAsking(true);
      return typed;
    },
    cancelButton: typed ? (
      <ConfirmAction
        trigger="Cancel"
        label={`Discard this ${what}`}
        question="Discard what you wrote? It is not saved anywhere."
        confirm="Discard"
        cancel="Keep writing"
        asking={asking}
        onAsking={ask}
        onConfirm={async () => discard()}
      />
    ) : (
      <button type="button" onClick={discard}>
        Cancel
      </button>
    ),
  };
}
