/**
 * How drafts lie in the browser's storage (app/drafts.ts), as pure functions over what it holds.
 *
 * Each page (tab) writes its drafts under keys of its own, `${scope}:${name}#${tab}`, with the time of the
 * write: two tabs writing the same reply never overwrite each other's text. A page opening an article takes
 * every tab's drafts of it (`claim`): the one written last is offered, and a different text another tab wrote
 * earlier is set aside, to be shown to the user rather than dropped unsaid.
 *
 * Drafts of articles the user does not open again are bounded (`prune`): by age, since a draft untouched for
 * a month is not one the user remembers writing; and by count, since the storage is a few megabytes per site
 * shared with everything else the app keeps, and a draft may be 20,000 characters.
 */

export const MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_SLOTS = 100;

/** One tab's draft: `base` is `${scope}:${name}`, `at` when it was written (null: written before slots had times). */
export type Slot = { key: string; base: string; tab: string; at: number | null; value: unknown };

export const slotKey = (prefix: string, base: string, tab: string) => `${prefix}${base}#${tab}`;

/** The slot stored as `key` (under `prefix`), or null for a key or value that is not one. */
export function readSlot(prefix: string, key: string, raw: string | null): Slot | null {
  if (!key.startsWith(prefix) || raw == null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const rest = key.slice(prefix.length);
  const hash = rest.lastIndexOf("#");
  // Written before slots: the key is the base, and the value the draft itself.
  if (hash < 0) return { key, base: rest, tab: "", at: null, value: parsed };
  const record = parsed as { at?: unknown; value?: unknown } | null;
  if (!record || typeof record.at !== "number" || record.value === undefined) return null;
  return { key, base: rest.slice(0, hash), tab: rest.slice(hash + 1), at: record.at, value: record.value };
}

export const slotRecord = (value: unknown, at: number) => JSON.stringify({ at, value });

/** Whether two drafts hold the same text: values are what JSON keeps of them, so JSON compares them. */
export const sameDraft = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const age = (slot: Slot) => slot.at ?? 0;

/**
 * What a page opening `scope` makes of the slots stored under it: for each draft, the newest slot; and the
 * older slots whose text differs from it, set aside. All of them are then the page's to remove.
 */
export function claim(slots: Slot[], scope: string): { newest: Slot[]; setAside: Slot[] } {
  const byBase = new Map<string, Slot[]>();
  for (const slot of slots) {
    if (!slot.base.startsWith(`${scope}:`)) continue;
    const group = byBase.get(slot.base);
    if (group) group.push(slot);
    else byBase.set(slot.base, [slot]);
  }
  const newest: Slot[] = [];
  const setAside: Slot[] = [];
  for (const group of byBase.values()) {
    const [first, ...rest] = group.sort((x, y) => age(y) - age(x));
    if (!first) continue;
    newest.push(first);
    const seen: unknown[] = [first.value];
    for (const slot of rest) {
      // A text the newest goes on from (this tab's copy of another's, which that tab typed on in) loses nothing.
      const continued = typeof slot.value === "string" && typeof first.value === "string" && first.value.startsWith(slot.value);
      if (!continued && !seen.some((value) => sameDraft(value, slot.value))) setAside.push(slot);
      seen.push(slot.value);
    }
  }
  return { newest, setAside };
}

/**
 * The slots of other scopes than `keep` to remove at `now`: older than MAX_AGE_MS, and past MAX_SLOTS the
 * oldest. A slot without a time is counted as written now: it is given one (`undated`) rather than dropped.
 */
export function prune(slots: Slot[], now: number, keep: string): { remove: string[]; undated: Slot[] } {
  const others = slots.filter((slot) => !slot.base.startsWith(`${keep}:`));
  const undated = others.filter((slot) => slot.at === null);
  const alive = others.filter((slot) => slot.at === null || now - slot.at <= MAX_AGE_MS);
  const remove = new Set(others.filter((slot) => !alive.includes(slot)).map((slot) => slot.key));
  const room = MAX_SLOTS - (slots.length - others.length);
  const byAge = [...alive].sort((x, y) => (y.at ?? now) - (x.at ?? now));
  for (const slot of byAge.slice(Math.max(0, room))) remove.add(slot.key);
  return { remove: [...remove], undated: undated.filter((slot) => !remove.has(slot.key)) };
}
