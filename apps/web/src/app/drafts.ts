import { createContext, useCallback, useContext, useState } from "react";
import { type Slot, claim, prune, readSlot, sameDraft, slotKey, slotRecord } from "./draft-slots.ts";

/**
 * Work being written and not sent yet: a reply, the edit form of a posted annotation, an assignee's answer,
 * a new comment or fact-check. A thread's card goes away while a moderator hides the thread (and for a
 * moment while it moves back), and its forms with it; a reload or a closed tab takes the whole page. What
 * was typed waits here for them to come back, in the browser's storage, under the account and the article,
 * so that it never turns up under another account. It is let go when it is sent or discarded, and all of
 * it when the account signs out.
 *
 * The page's memory is where the page reads it: each tab keeps its own text, whatever another tab of the
 * same article writes meanwhile, and a browser that stores nothing (a private window, a full quota) keeps
 * it for the page's life. Storage holds it per tab (app/draft-slots.ts), taken into memory when an article
 * opens: the text written last is offered, and another tab's different text is handed to the reader to show
 * (`takeSetAside`). A draft whose annotation is gone is let go from storage (`releaseStored`) once the reader
 * has shown its text; memory keeps it, for a thread that was only hidden and comes back while the page is open.
 */
const PREFIX = "marginalia.draft:";
/** This page's own keys: another tab of the same article writes under its own. */
const TAB = Math.random().toString(36).slice(2, 10);
const memory = new Map<string, unknown>();
/** Drafts in memory whose stored copy was let go (releaseStored), until written again. */
const released = new Set<string>();
const claimed = new Set<string>();
const setAside = new Map<string, Array<{ name: string; value: unknown }>>();

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

function storedSlots(store: Storage): Slot[] {
  const slots: Slot[] = [];
  for (const key of Object.keys(store)) {
    const slot = readSlot(PREFIX, key, store.getItem(key));
    if (slot) slots.push(slot);
  }
  return slots;
}

/**
 * Takes the drafts stored under `scope` into this page, once per page and scope, before anything reads one;
 * the drafts of other articles are bounded meanwhile (draft-slots.ts, `prune`).
 */
function claimScope(scope: string) {
  if (claimed.has(scope)) return;
  claimed.add(scope);
  const store = storage();
  if (!store) return;
  try {
    const slots = storedSlots(store);
    const now = Date.now();
    const { remove, undated } = prune(slots, now, scope);
    for (const key of remove) store.removeItem(key);
    for (const slot of undated) {
      store.removeItem(slot.key);
      store.setItem(slotKey(PREFIX, slot.base, slot.tab || TAB), slotRecord(slot.value, now));
    }
    const taken = claim(slots, scope);
    for (const slot of slots) if (slot.base.startsWith(`${scope}:`)) store.removeItem(slot.key);
    // Kept with the time it was written, so that a tab typing on after this one opened is still the newer.
    for (const slot of taken.newest) {
      memory.set(slot.base, slot.value);
      store.setItem(slotKey(PREFIX, slot.base, TAB), slotRecord(slot.value, slot.at ?? now));
    }
    setAside.set(
      scope,
      taken.setAside.map((slot) => ({ name: slot.base.slice(scope.length + 1), value: slot.value })),
    );
  } catch {
    // Refused or full: what was read so far is in memory.
  }
}

/** The draft kept as `name` in `scope`, if any; without a scope, nothing is kept. */
export function readDraft<T>(scope: string | null, name: string): T | undefined {
  if (scope === null) return undefined;
  claimScope(scope);
  return memory.get(`${scope}:${name}`) as T | undefined;
}

/** Keeps `value` as the draft `name` in `scope`; `undefined` lets it go. */
export function writeDraft(scope: string | null, name: string, value: unknown) {
  if (scope === null) return;
  claimScope(scope);
  const base = `${scope}:${name}`;
  const was = memory.get(base);
  released.delete(base);
  if (value === undefined) {
    memory.delete(base);
    return dropStored(base, was);
  }
  memory.set(base, value);
  try {
    storage()?.setItem(slotKey(PREFIX, base, TAB), slotRecord(value, Date.now()));
  } catch {
    // Refused or full: the page's memory still has it.
  }
}

/**
 * Lets go of this page's stored copy of a draft, and of any other tab's holding the same `value`: a tab that
 * opened the article since took this text in as its own (claimScope), and would offer it again after it was
 * sent. Another tab's different text is its own, and stays.
 */
function dropStored(base: string, value: unknown) {
  const store = storage();
  if (!store) return;
  try {
    store.removeItem(slotKey(PREFIX, base, TAB));
    for (const slot of storedSlots(store)) if (slot.base === base && sameDraft(slot.value, value)) store.removeItem(slot.key);
  } catch {
    // Nothing stored to let go.
  }
}

/** The drafts of `scope` this page holds and stores, by name. */
export function storedDrafts(scope: string): Array<{ name: string; value: unknown }> {
  claimScope(scope);
  const prefix = `${scope}:`;
  return [...memory].filter(([base]) => base.startsWith(prefix) && !released.has(base)).map(([base, value]) => ({ name: base.slice(prefix.length), value }));
}

/** Lets the stored copy of a draft go, keeping it in this page's memory until it is written again. */
export function releaseStored(scope: string, name: string) {
  const base = `${scope}:${name}`;
  released.add(base);
  dropStored(base, memory.get(base));
}

/** Other tabs' different texts of drafts this page took the newer of, to show once (see `claim`). */
export function takeSetAside(scope: string): Array<{ name: string; value: unknown }> {
  claimScope(scope);
  const taken = setAside.get(scope) ?? [];
  setAside.set(scope, []);
  return taken;
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
  released.clear();
  claimed.clear();
  setAside.clear();
  const store = storage();
  if (!store) return;
  for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
}
