import { useEffect, useRef } from "react";
import type * as Y from "yjs";
import { MAX_NOTES_LENGTH, notesOf } from "@marginalia/schema";
import type { DocSession } from "../../sync/doc-session.ts";
import { useSessionState } from "../../sync/hooks.ts";
import { applyLocalEdit, transformPosition } from "./notes-binding.ts";

const LOCAL = Symbol("notes-input");

/**
 * The team's running summary: a plain textarea bound to the `notes` Y.Text.
 * Local typing becomes one small edit; remote edits move our caret with the
 * text instead of throwing it to the end.
 */
export function NotesPane({ session, readOnly }: { session: DocSession | null; readOnly: boolean }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const { generation } = useSessionState(session);
  const doc = session?.doc;

  useEffect(() => {
    const el = area.current;
    if (!doc || !el) return;
    const text: Y.Text = notesOf(doc);
    el.value = text.toString();
    const onRemote = (event: Y.YTextEvent) => {
      if (event.transaction.origin === LOCAL) return;
      const focused = document.activeElement === el;
      const [start, end] = [el.selectionStart, el.selectionEnd];
      el.value = text.toString();
      if (focused) el.setSelectionRange(transformPosition(start, event.delta), transformPosition(end, event.delta));
    };
    text.observe(onRemote);
    return () => text.unobserve(onRemote);
  }, [doc, generation]);

  return (
    <section className="notes" aria-labelledby="notes-heading">
      <h2 id="notes-heading" className="visually-hidden">
        Shared notes
      </h2>
      <p className="hint">{readOnly ? "The team's running summary of this article." : "The team's running summary of this article. Everyone in the group edits it together."}</p>
      <textarea dir="auto"
        ref={area}
        aria-label="Shared notes"
        readOnly={readOnly}
        maxLength={MAX_NOTES_LENGTH}
        placeholder={readOnly ? "No notes yet." : "Summarise what the team has found…"}
        onInput={(e) => doc && applyLocalEdit(notesOf(doc), e.currentTarget.value, LOCAL)}
      />
    </section>
  );
}
