import { useCallback, useState } from "react";

/**
 * Replies being written, by the thread they answer. A thread's card goes away while a moderator hides the
 * thread (and for a moment while it moves back), and its reply box with it: what was typed there waits
 * here for the card to come back. It lives as long as the page, and is let go when the reply is sent or
 * the box is emptied.
 */
const drafts = new Map<string, string>();

/** `key` names the writer and the thread, so that a draft never turns up under another account's box. */
export function useReplyDraft(key: string): [string, (body: string) => void] {
  const [body, setBody] = useState(() => drafts.get(key) ?? "");
  const keep = useCallback(
    (next: string) => {
      if (next) drafts.set(key, next);
      else drafts.delete(key);
      setBody(next);
    },
    [key],
  );
  return [body, keep];
}
