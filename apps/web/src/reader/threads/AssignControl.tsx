import { type FormEvent, useState } from "react";
import { MAX_ASSIGNEES, roleAtLeast } from "@marginalia/schema";
import type { Member } from "../../api/groups.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { authorName } from "./AnnotationHeader.tsx";
import { closeOnEscape } from "./keyboard.ts";
import { useFocusReturn } from "../../lib/focus.ts";

type Props = { item: Item; members: Map<string, Member>; onAssign(assignees: string[], dueAt: number | null): void };

/** `<input type="datetime-local">` speaks local wall-clock time without a zone. */
const toLocalInput = (ms: number) => {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * Picks the members who must answer an annotation, and an optional due time:
 * offered to its author and to moderators, written through the document.
 */
export function AssignControl({ item, members, onAssign }: Props) {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [due, setDue] = useState("");
  const opener = useFocusReturn<HTMLButtonElement>();
  const close = () => {
    setOpen(false);
    opener.closed();
  };

  if (!open) {
    const start = () => {
      setChosen(item.assignees);
      setDue(item.dueAt === null ? "" : toLocalInput(item.dueAt));
      setOpen(true);
    };
    return (
      <button ref={opener.ref} type="button" className="link-button" onClick={start}>
        {item.assignees.length ? "Change assignees" : "Assign…"}
      </button>
    );
  }

  // Who can answer, plus anyone still assigned who has since left or lost the role.
  const candidates = [...new Set([...[...members.values()].filter((m) => roleAtLeast(m.role, "annotator")).map((m) => m.id), ...item.assignees])];
  const toggle = (id: string) => setChosen((list) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onAssign(chosen, due ? new Date(due).getTime() : null);
    close();
  };

  return (
    <form className="assign-form" aria-label="Assign" onSubmit={submit} onKeyDown={closeOnEscape(close)}>
      <fieldset>
        <legend>Ask to answer</legend>
        {candidates.map((id) => (
          <label key={id} className="chip">
            <input
              type="checkbox"
              checked={chosen.includes(id)}
              disabled={!chosen.includes(id) && chosen.length >= MAX_ASSIGNEES}
              onChange={() => toggle(id)}
              autoFocus={id === candidates[0]}
            />
            {authorName(members, id)}
          </label>
        ))}
      </fieldset>
      <label>
        Due (optional)
        <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
      </label>
      <div className="row-form">
        <button type="submit">Save assignment</button>
        <button type="button" className="link-button" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}
