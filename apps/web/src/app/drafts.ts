import { createContext, useCallback, useContext, useState } from "react";

/**
 * Work being written and not sent yet: a reply, the edit form of a posted annotation, an assignee's answer,
 * a new comment or fact-check. A thread's card goes away while a moderator hides the thread (and for a
 * moment while it moves back), and its forms with it; a reload or a closed tab takes the whole page. What
 * was typed waits here for them to come back, in the browser's storage, under the account and the article,
 * so that it never turns up under another account. It is let go when it is sent or discarded, and all of
 * it when the account signs out. The page's memory holds it too, for a browser that stores nothing
 * (a private window, a full quota).
 */
const PREFIX = "marginalia.draft:";
const memory = new Map<string, unknown>();

/** What a page's drafts are kept under: the signed-in account and the article (`${accountId}:${articleId}`). */
export const DraftScope = createContext<string | null>(null);

export const useDraftScope = () => useContext(DraftScope);

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The draft kept as `name` in `scope`, if any; without a scope, nothing is kept. */
export function readDraft<T>(scope: string | null, name: string): T | undefined {
  if (scope === null) return undefined;
  const key = `${PREFIX}${scope}:${name}`;
  if (memory.has(key)) return memory.get(key) as T;
  try {
    const raw = storage()?.getItem(key);
    return raw == null ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

/** Keeps `value` as the draft `name` in `scope`; `undefined` lets it go. */
export function writeDraft(scope: string | null, name: string, value: unknown) {
  if (scope === null) return;
  const key = `${PREFIX}${scope}:${name}`;
  if (value === undefined) memory.delete(key);
  else memory.set(key, value);
  try {
    if (value === undefined) storage()?.removeItem(key);
    else storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // Refused or full: the page's memory still has it.
  }
}

/** A draft by `name` (what it answers or edits), and its setter: `undefined` lets it go. */
export function useDraft<T>(name: string): [T | undefined, (next: T | undefined) => void] {
  const scope = useDraftScope();
  const [value, setValue] = useState(() => readDraft<T>(scope, name));
  const keep = useCallback(
    (next: T | undefined) => {
      writeDraft(scope, name, next);
      setValue(next);
    },
    [scope, name],
  );
  return [value, keep];
}

/** Signing out: nothing written under any account stays in this browser. */
export function clearDrafts() {
  memory.clear();
  const store = storage();
  if (!store) return;
  for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
}
