import { type AnnotationKind, type AnnotationStatus, type Role, type Verdict, newAnnotationValue } from "@marginalia/schema";
import type { Item } from "../../sync/annotation-store.ts";
import { isVisible } from "../permissions/permissions.ts";
import { type CodePointIndex, quoteIsAt, resolveTarget } from "../../lib/anchoring.ts";
import { type LayerName, layerFor } from "../highlights/highlight-style.ts";
import type { Span } from "../highlights/text-map.ts";

export type Thread = {
  /** For a thread whose first comment was deleted, a stand-in for it (`deleted`), under the id it had. */
  root: Item;
  replies: Item[];
  /** The first comment is gone and its replies are shown under a placeholder, where it stood. */
  deleted?: true;
  /** Where it sits in the current text; null for page notes and orphans. */
  span: Span | null;
  orphaned: boolean;
};

export type Filters = {
  kinds: AnnotationKind[];
  verdicts: Verdict[];
  author: string;
  status: AnnotationStatus | "";
  resolved: "all" | "open" | "resolved";
  /** Only what the reader was asked to answer. */
  assignedToMe: boolean;
};

export const NO_FILTERS: Filters = { kinds: [], verdicts: [], author: "", status: "", resolved: "all", assignedToMe: false };

/**
 * Where an annotation's target lies in the current text. The server marks
 * orphans (`anchor.state`); a target made on the current revision is where
 * it says; one from another revision stands where its quote still is, or
 * where the shared re-anchoring (exact, then fuzzy) places it, or nowhere.
 */
export function locate(item: Item, index: CodePointIndex, revision: number): Span | "orphaned" | null {
  const target = item.target;
  if (!target) return null;
  if (item.anchor?.state === "orphaned") return "orphaned";
  const { start, end } = target;
  if (fitsText(target, index.length) && (target.revision === revision || quoteIsAt(index, target))) return { start, end };
  const anchor = resolveTarget(index, target);
  return anchor.state === "orphaned" ? "orphaned" : { start: anchor.start, end: anchor.end };
}

/** Whether a span names some of a text this long: where a target on the text's own revision is painted. */
export const fitsText = (span: Span, length: number) => span.start < span.end && span.end <= length;

/**
 * `locate` with a memory: items keep their identity until they change, so a
 * stale target is re-anchored (a fuzzy search) once, not on every update.
 */
export function cachedLocator(index: CodePointIndex, revision: number): (item: Item) => Span | "orphaned" | null {
  const cache = new WeakMap<Item, Span | "orphaned" | null>();
  return (item) => {
    if (cache.has(item)) return cache.get(item)!;
    const where = locate(item, index, revision);
    cache.set(item, where);
    return where;
  };
}

/** Whether a thread passes the filters, for the reader `me`. */
export function matches(root: Item, filters: Filters, me: string): boolean {
  if (filters.assignedToMe && !root.assignees.includes(me)) return false;
  if (filters.kinds.length && !filters.kinds.includes(root.kind)) return false;
  if (filters.verdicts.length && !(root.factcheck && filters.verdicts.includes(root.factcheck.verdict))) return false;
  if (filters.author && root.authorId !== filters.author) return false;
  if (filters.status && root.status !== filters.status) return false;
  if (filters.resolved === "open" && root.resolved) return false;
  if (filters.resolved === "resolved" && !root.resolved) return false;
  return true;
}

/**
 * Threads in text order: roots with their replies (oldest first). Replies
 * whose parent is gone (deleted, or out of the reader's sight) stay together
 * under a placeholder for it, where it stood: shown as comments of their own
 * they would read as if their authors had started the thread.
 */
export function buildThreads(
  items: readonly Item[],
  place: (item: Item) => Span | "orphaned" | null,
  viewer: { id: string; role: Role },
): Thread[] {
  const visible = items.filter((a) => isVisible(a, viewer.role));
  const ids = new Set(visible.map((a) => a.id));
  const replies = new Map<string, Item[]>();
  const roots: Item[] = [];
  for (const a of visible) {
    if (a.parentId) {
      const list = replies.get(a.parentId) ?? [];
      list.push(a);
      replies.set(a.parentId, list);
    } else roots.push(a);
  }
  const thread = (root: Item, deleted: boolean): Thread => {
    const where = place(root);
    return {
      root,
      replies: (replies.get(root.id) ?? []).sort((a, b) => a.createdAt - b.createdAt),
      span: where === "orphaned" ? null : where,
      orphaned: where === "orphaned",
      ...(deleted && { deleted: true as const }),
    };
  };
  const threads = roots.map((root) => thread(root, false));
  for (const [parentId, list] of replies) {
    if (ids.has(parentId)) continue;
    const oldest = list.reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
    threads.push(thread(placeholderFor(oldest), true));
  }
  return threads.sort(byPosition);
}

/**
 * The stand-in for a reply's missing parent. Replies carry their parent's
 * target, so it stands where the parent did. Kept per reply, so that it keeps
 * its identity (and its card and paint) while the reply does not change.
 */
const placeholders = new WeakMap<Item, Item>();
export function placeholderFor(reply: Item): Item {
  const known = placeholders.get(reply);
  if (known) return known;
  const stand: Item = {
    ...newAnnotationValue({ id: reply.parentId!, kind: "comment", authorId: "", target: reply.target }, reply.createdAt),
    source: reply.source,
  };
  placeholders.set(reply, stand);
  return stand;
}

/**
 * The highlight one annotation paints as a thread root, by the rules
 * `buildThreads`, `matches` and the painted layers apply to all of them, for
 * following a change to a few annotations without rebuilding every thread.
 * `find` looks an annotation up by id (for the parent of a reply).
 */
export function rootPaint(
  item: Item,
  find: (id: string) => Item | undefined,
  place: (item: Item) => Span | "orphaned" | null,
  viewer: { id: string; role: Role },
  filters: Filters,
): { id: string; span: Span; layer: LayerName } | null {
  if (!isVisible(item, viewer.role)) return null;
  const parent = item.parentId ? find(item.parentId) : undefined;
  if (item.parentId && parent && isVisible(parent, viewer.role)) return null;
  // A reply whose parent is gone paints its placeholder's highlight, as its thread does.
  const root = item.parentId ? placeholderFor(item) : item;
  if (!matches(root, filters, viewer.id)) return null;
  const where = place(root);
  return where && where !== "orphaned" ? { id: root.id, span: where, layer: layerFor(root) } : null;
}

function byPosition(a: Thread, b: Thread): number {
  const pa = a.span?.start ?? -1;
  const pb = b.span?.start ?? -1;
  return pa - pb || (a.span?.end ?? 0) - (b.span?.end ?? 0) || a.root.createdAt - b.root.createdAt || (a.root.id < b.root.id ? -1 : 1);
}

/** The thread an annotation is in, as its first comment or as a reply: a notification of a reply names the reply. */
export function threadOf(threads: readonly Thread[], id: string | null): Thread | undefined {
  if (!id) return undefined;
  return threads.find((t) => t.root.id === id || t.replies.some((r) => r.id === id));
}

/** The threads whose highlight covers a code point, smallest first (the most specific wins a click). */
export function threadsAt(threads: readonly Thread[], cp: number): Thread[] {
  return threads
    .filter((t) => t.span && t.span.start <= cp && cp < t.span.end)
    .sort((a, b) => a.span!.end - a.span!.start - (b.span!.end - b.span!.start));
}
