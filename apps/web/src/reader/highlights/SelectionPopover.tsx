import { type FormEvent, type KeyboardEvent, type MutableRefObject, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { useFieldError } from "../../lib/field-error.ts";
import type { AnnotationKind, Factcheck } from "@marginalia/schema";
import { type FactcheckDraft, draftTouched, emptyDraft, validateDraft } from "../factcheck/factcheck-draft.ts";
import { FactcheckFields } from "../factcheck/FactcheckFields.tsx";
import { submitOnEnter, trapTab } from "../threads/keyboard.ts";
import { useAskBeforeDiscard } from "../threads/ask-before-discard.tsx";
import type { Placement } from "../permissions/permissions.ts";
import { type NewAnnotationDraft, keptNewAnnotation, useKeepNewAnnotation } from "./new-annotation-draft.ts";
import { useDraftScope } from "../../app/drafts.ts";
import { LockedDraft } from "../threads/LockedDraft.tsx";
import { writtenText } from "../sync/refusal-words.ts";

export type NewAnnotationInput = { kind: AnnotationKind; body: string; factcheck: Factcheck | null; onlyMe: boolean };

type Props = {
  quote: string;
  position: { top: number; left: number };
  placement(kind: AnnotationKind, onlyMe: boolean): Placement;
  /** The article's group: its claim memory answers in the fact-check form. */
  groupId: string;
  onCreate(input: NewAnnotationInput): string | null;
  /** `cancelled`: closed without annotating, so the passage is selected again. */
  onClose(returnFocus: boolean, cancelled?: boolean): void;
  /** Set while the popover is open: asks before discarding what is written, and says whether it did. */
  keepTyped?: MutableRefObject<(() => boolean) | null>;
  /** The passage, as the text's revision and offsets: what a comment or fact-check being written is kept under. */
  at: NewAnnotationDraft["at"];
  /**
   * Why a comment or fact-check can no longer be posted from here (threads/locked-words.ts, `newWorkLock`):
   * the role changed or the connection ended while the form was open. Null while it can.
   */
  locked?(form: "comment" | "factcheck"): string | null;
};

/**
 * Opens on a selection in the article: highlight at once, or comment or
 * fact-check through a short form. Focus moves in on open, Tab stays
 * inside, Escape closes and gives focus back to the article. A form with
 * something written in it asks first (ask-before-discard.tsx), and so does
 * a press in the article or a new selection, which close an untouched one.
 */
export function SelectionPopover({ quote, position, placement, groupId, onCreate, onClose: close, keepTyped, at, locked }: Props) {
  // What was being written on this passage before a reload comes back (new-annotation-draft.ts).
  const scope = useDraftScope();
  const [kept] = useState(() => keptNewAnnotation(scope, at));
  const [mode, setMode] = useState<"menu" | "comment" | "factcheck">(kept?.mode ?? "menu");
  const [onlyMe, setOnlyMe] = useState(kept?.onlyMe ?? false);
  const [body, setBody] = useState(kept?.body ?? "");
  const [draft, setDraft] = useState<FactcheckDraft>(() => kept?.draft ?? emptyDraft(quote));
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const errorId = useId();
  useFieldError(root, error, invalid, errorId);
  const fail = (message: string, field: string | null = null) => {
    setError(message);
    setInvalid(field);
  };

  useEffect(() => {
    const first = root.current?.querySelector<HTMLElement>("textarea, button");
    first?.focus();
    // The claim starts as the quoted passage: selected, so that typing replaces it rather than being glued
    // before it; work kept from before (`kept`) gets the caret at its end instead.
    if (first instanceof HTMLTextAreaElement && first.value) {
      if (kept) first.setSelectionRange(first.value.length, first.value.length);
      else first.select();
    }
  }, [mode]);

  const create = (input: Omit<NewAnnotationInput, "onlyMe">) => {
    const problem = onCreate({ ...input, onlyMe });
    if (problem) fail(problem);
    else onClose(true);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === "comment") {
      if (!body.trim()) return fail("Write a comment first.", "body");
      return create({ kind: "comment", body: body.trim(), factcheck: null });
    }
    const checked = validateDraft(draft);
    if (!checked.ok) return fail(checked.error, checked.field);
    create({ kind: "factcheck", body: body.trim(), factcheck: checked.value });
  };

  const typed = mode !== "menu" && (body.trim() !== "" || (mode === "factcheck" && draftTouched(draft, quote)));
  const dropKept = useKeepNewAnnotation(at, typed ? { mode, onlyMe, body, draft } : null);
  // Closed, by annotating or by discarding, what was written here is let go.
  const onClose: Props["onClose"] = (returnFocus, cancelled) => {
    dropKept();
    close(returnFocus, cancelled);
  };
  const discard = useAskBeforeDiscard(typed, () => onClose(true, true), mode === "comment" ? "comment" : "fact-check");
  useEffect(() => {
    if (!keepTyped) return;
    keepTyped.current = discard.holds;
    return () => {
      keepTyped.current = null;
    };
  });
  // Locked with nothing written, it closes, as a selection opens none then; what was written stays to copy
  // (LockedDraft.tsx), as a reply or an edit left open does, and the form comes back if the lock lifts.
  const lockedWhy = locked?.(mode === "factcheck" ? "factcheck" : "comment") ?? null;
  useLayoutEffect(() => {
    if (lockedWhy && !typed) onClose(!!root.current?.contains(document.activeElement));
  }, [lockedWhy, typed]);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      discard.onEscape();
    } else trapTab(event);
  };

  const note = placement(mode === "factcheck" ? "factcheck" : mode === "comment" ? "comment" : "highlight", onlyMe).note;
  const label = mode === "menu" ? "Annotate selection" : mode === "comment" ? "New comment" : "New fact-check";

  return (
    <div ref={root} className={`popover popover-${mode}`} role="dialog" aria-label={label} style={position} onKeyDown={onKeyDown}>
      {mode === "menu" ? (
        <div className="popover-menu">
          <button type="button" onClick={() => create({ kind: "highlight", body: "", factcheck: null })}>
            Highlight
          </button>
          <button type="button" onClick={() => setMode("comment")}>
            Comment
          </button>
          <button type="button" onClick={() => setMode("factcheck")}>
            Fact-check
          </button>
          <label className="only-me">
            <input type="checkbox" checked={onlyMe} onChange={(e) => setOnlyMe(e.target.checked)} /> Only me
          </label>
        </div>
      ) : lockedWhy ? (
        <LockedDraft
          label={mode === "comment" ? "Comment" : "Your fact-check"}
          text={writtenText(body, mode === "factcheck" ? draft : null)}
          reason={lockedWhy}
          onDiscard={() => onClose(true, true)}
        />
      ) : (
        <form onSubmit={submit} className="stack" onFocus={discard.rememberField}>
          <p className="popover-quote" dir="auto">“{quote.length > 160 ? `${quote.slice(0, 160)}…` : quote}”</p>
          {mode === "factcheck" && <FactcheckFields value={draft} onChange={setDraft} groupId={groupId} />}
          <label>
            {mode === "comment" ? "Comment" : "Explanation (optional)"}
            <textarea dir="auto" name="body" value={body} onChange={(e) => setBody(e.target.value)} onKeyDown={submitOnEnter} rows={3} maxLength={20000} />
          </label>
          <div className="form-actions">
            <button type="submit" className="primary">
              {mode === "comment" ? "Post comment" : "Save fact-check"}
            </button>
            {discard.cancelButton}
            <span className="hint">Enter saves · Shift+Enter new line · Esc cancels</span>
          </div>
        </form>
      )}
      {note && <p className="popover-note">{note}</p>}
      {error && (
        <p id={errorId} className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
