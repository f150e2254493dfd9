import { useCallback, useMemo, useRef, useState } from "react";
import type { AnnotationValue } from "@marginalia/schema";
import { fetchAnnotation } from "../../api/annotations.ts";
import type { SessionOptions } from "../../sync/doc-session.ts";
import { type LostEditFate, editedText, lostEditNotice, refusalNotice, unsendableNotice, unsentText } from "./refusal-words.ts";

/** What the reader tells of work the server did not take: the words, and the text the user wrote, to copy. */
export type SyncNotice = { message: string; kept: string | null };

/**
 * Adds to the notice shown (or shows one): words, and text of the user's to copy. What it returns takes
 * those words and that text back out again, for a loss undone before the reader dismissed it (an unhide).
 */
export type TellNotice = (message: string, kept: string) => () => void;

/**
 * The notice after the server refused an update of ours (the article is reloaded: the refusal often means
 * a changed role), after the live connection ended for good with work of ours unsent, or after the server
 * took away an annotation whose edit had not reached it. What became of that one is
 * asked of the server, which knows whether it was approved or is gone.
 */
export function useSyncNotice(reloadArticle: () => void, self: string | null) {
  // The notice is told in parts, each of which may be taken back (TellNotice).
  const [parts, setParts] = useState<Array<SyncNotice & { id: number }>>([]);
  const told = useRef(0);
  const notice = useMemo<SyncNotice | null>(
    () => (parts.length ? { message: parts.map((p) => p.message).join(" "), kept: parts.map((p) => p.kept).filter(Boolean).join("\n\n") || null } : null),
    [parts],
  );
  const reload = useRef(reloadArticle);
  reload.current = reloadArticle;
  const me = useRef(self);
  me.current = self;
  // What is told while a notice stands joins it: each loss of text has to stay readable until dismissed.
  const tell = useCallback<TellNotice>((message, kept) => {
    const id = ++told.current;
    setParts((now) => [...now, { id, message, kept }]);
    return () => setParts((now) => now.filter((part) => part.id !== id));
  }, []);
  const handlers = useMemo<Required<Pick<SessionOptions, "onRefused" | "onEditLost" | "onUnsendable">>>(
    () => ({
      onRefused(reason, kept) {
        setParts([{ id: ++told.current, message: refusalNotice(reason, kept), kept: null }]);
        reload.current();
      },
      onEditLost(lost) {
        void Promise.all(lost.map(async (value) => lostEditNotice(value, await fateOf(value)))).then((messages) =>
          tell(messages.join(" "), lost.map(editedText).join("\n\n")),
        );
      },
      onUnsendable(unsent) {
        // Only our own annotations' words are quoted as ours; a change to someone else's (resolved, assigned) is told, not quoted.
        const mine = unsent.filter((value) => value.authorId === me.current);
        tell(unsendableNotice(mine.length, unsent.length - mine.length), unsentText(mine));
      },
    }),
    [tell],
  );
  return { notice, dismiss: () => setParts([]), tell, handlers };
}

async function fateOf(value: AnnotationValue): Promise<LostEditFate> {
  try {
    const now = await fetchAnnotation(value.id);
    return value.status === "pending" && now.status === "published" ? "approved" : "gone";
  } catch {
    return "gone";
  }
}
