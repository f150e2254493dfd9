/*
 * Who a body's @mentions name (docs/architecture.md, "Mentions").
 *
 * A member can be mentioned by what the writer is shown of them: the reader
 * lists people by display name ("Carol Moderator"), so `@Carol Moderator`
 * and, when no one else has that first name, `@Carol` name her; the handles
 * of before (`@carol`, the email's local part, or the name without spaces)
 * still do. A writer to whom the group is anonymous is shown pseudonyms, and
 * only pseudonyms name anyone for them: a real name or a handle typed by a
 * peer must not reach the person behind a pseudonym, whose answer under it
 * would tell the peer who that is.
 */

/** How one member may be named by the writer, as `mentionablesFor` (hooks/notifications.ts) builds it. */
export type Mentionable = {
  id: string;
  /** Whole names: the display name or pseudonym the writer is shown. */
  names: string[];
  /** Exact single-word handles. */
  handles: string[];
  /** The first word of the display name; names the member only when it is nobody else's. */
  firstName: string | null;
};

/** A mention starts at an `@` that does not continue a word or an email address. */
const AT = /(?:^|[^\p{L}\p{N}_@.])@(?=[\p{L}\p{N}])/gu;
const HANDLE = /^[\p{L}\p{N}._-]{2,64}/u;
const FIRST_WORD = /^[\p{L}\p{N}]+/u;
/** Longer names than this are not looked for: a display name is one short line. */
const MAX_NAME = 128;
/** A body naming more people than this is a list, not a conversation: the rest are not notified. */
export const MAX_MENTIONS = 50;

const fold = (text: string) => text.normalize("NFC").replace(/\s+/gu, " ").trim().toLowerCase();
const firstWord = (folded: string) => FIRST_WORD.exec(folded)?.[0] ?? "";
/** A name ends where the text after it does not go on with a letter or digit (`@Ana.lopez` is a handle, not Ana). */
const endsAt = (rest: string, length: number) => !/^[._-]*[\p{L}\p{N}]/u.test(rest.slice(length, length + 8));

/** Whether the body has anything that could be a mention at all, without knowing the members. */
export const mayMention = (body: string) => body.includes("@") && new RegExp(AT.source, "u").test(body);

/**
 * The members a body mentions, by id. At each `@`, the longest whole name
 * wins, then an exact handle, then a first name. Two members matching at the
 * same step (two "Carol Moderator"s, or `@Carol` with two Carols) make the
 * mention ambiguous, and it notifies neither: telling both would always tell
 * one person of something not meant for them, and the writer can use the
 * whole name or the handle instead.
 */
export function mentionedMembers(body: string, { byWord, firstNames }: MentionIndex): Set<string> {
  const found = new Set<string>();
  let seen = 0;
  for (const match of body.matchAll(AT)) {
    if (++seen > MAX_MENTIONS) break;
    const start = match.index + match[0].length;
    const rest = fold(body.slice(start, start + MAX_NAME * 2));
    const candidates = byWord.get(firstWord(rest));
    if (!candidates) continue;
    const handle = (HANDLE.exec(rest)?.[0] ?? "").replace(/[._-]+$/, "");
    const ids = (tier: 0 | 1 | 2) => {
      const hits = candidates.filter((c) => c.tier === tier && matches(c.text, tier, rest, handle, firstNames));
      const longest = Math.max(0, ...hits.map((h) => h.text.length));
      return new Set(hits.filter((h) => h.text.length === longest).map((h) => h.id));
    };
    for (const tier of [0, 1, 2] as const) {
      const named = ids(tier);
      if (named.size === 0) continue;
      if (named.size === 1) found.add([...named][0]!);
      break;
    }
  }
  return found;
}

/** The members' names, handles and first names by their first word: built once per writer and commit, not per body. */
export type MentionIndex = {
  byWord: Map<string, Array<{ id: string; text: string; tier: 0 | 1 | 2 }>>;
  firstNames: Map<string, number>;
};

export function mentionIndex(members: readonly Mentionable[]): MentionIndex {
  const byWord: MentionIndex["byWord"] = new Map();
  const firstNames = new Map<string, number>();
  const add = (id: string, text: string, tier: 0 | 1 | 2) => {
    const key = firstWord(text);
    if (!key) return;
    const list = byWord.get(key) ?? [];
    list.push({ id, text, tier });
    byWord.set(key, list);
  };
  for (const member of members) {
    for (const name of member.names) add(member.id, fold(name), 0);
    for (const handle of member.handles) add(member.id, handle.toLowerCase(), 1);
    const first = member.firstName ? fold(member.firstName) : "";
    if (first) {
      add(member.id, first, 2);
      firstNames.set(first, (firstNames.get(first) ?? 0) + 1);
    }
  }
  return { byWord, firstNames };
}

function matches(text: string, tier: 0 | 1 | 2, rest: string, handle: string, firstNames: ReadonlyMap<string, number>): boolean {
  if (tier === 1) return handle === text;
  if (tier === 2 && firstNames.get(text) !== 1) return false;
  return rest.startsWith(text) && endsAt(rest, text.length);
}

/** A member answers to their email's local part and to their name without spaces. */
export function handlesOf(member: { email: string; name: string }): string[] {
  return [member.email.split("@")[0]!.toLowerCase(), member.name.replace(/\s+/g, "").toLowerCase()];
}
