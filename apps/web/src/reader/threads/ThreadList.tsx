import { memo, useEffect, useMemo, useRef, useState } from "react";
import { ThreadCard, type ThreadCardProps } from "./ThreadCard.tsx";
import type { Thread } from "./threads.ts";
import type { VoteTally } from "../../sync/annotation-store.ts";

/** What the empty list says: why nothing is shown, and, to whoever may annotate, how to start. */
export function emptyThreadsText(o: { fatal: boolean; searched: string; terms: number; filtering: boolean; total: number; canWrite: boolean }): string {
  if (o.fatal) return "The annotations cannot be shown: this article's live connection has ended.";
  if (o.terms > 0) return `No threads match “${o.searched.trim()}”${o.filtering ? " with these filters" : ""}.`;
  if (o.filtering && o.total > 0) return "No threads pass these filters.";
  return o.canWrite ? "No annotations yet. Select a passage in the article to start." : "No annotations yet.";
}

/**
 * Cards rendered at first, and added each time the reader nears the end of
 * the list; a focus outside the cards in the DOM brings in this many around it. The list renders after the highlights (ReaderScreen defers it),
 * so a page this size does not hold up the text.
 */
const PAGE = 150;

type Props = Omit<ThreadCardProps, "thread" | "tally" | "focused" | "focusedReply" | "quiet"> & {
  threads: readonly Thread[];
  votes: Map<string, VoteTally>;
  /** The focused thread's first comment, and the reply in it that was asked for, if one was. */
  focusedId: string | null;
  focusedReplyId: string | null;
  /** The focused thread is only marked, and not given focus (ThreadCard's `quiet`). */
  quietFocus?: boolean;
  emptyText: string;
  /** The threads are still being brought up to date (the list renders after the highlights). */
  pending?: boolean;
};

/**
 * The threads in text order. With thousands of annotations only a window of
 * pages is in the DOM: more come as the reader scrolls towards the end (or
 * presses the button), earlier ones with "Show earlier", and focusing a thread
 * outside the window moves the window to that thread's page, down the list or
 * back up it, so that a focus far down never renders every card above it.
 * Memoised: the reader re-renders on every document change, and the list's
 * own props change far less often.
 */
export const ThreadList = memo(function ThreadList({ threads, votes, focusedId, focusedReplyId, quietFocus = false, emptyText, pending = false, ...card }: Props) {
  const [pages, setPages] = useState<Pages>({ from: 0, to: PAGE });
  const more = useRef<HTMLButtonElement>(null);
  const at = useMemo(() => (focusedId ? threads.findIndex((t) => t.root.id === focusedId) : -1), [focusedId, threads]);
  useEffect(() => {
    if (at >= 0) setPages((w) => (at >= w.from && at < w.to ? w : pageOf(at)));
  }, [at]);
  // A list that shrank under the window (a filter, a search) shows its last page rather than nothing.
  const from = Math.min(pages.from, Math.max(0, threads.length - 1 - ((threads.length - 1) % PAGE)));
  const to = Math.max(pages.to, from + PAGE);

  const hasMore = threads.length > to;
  useEffect(() => {
    const button = more.current;
    if (!hasMore || !button || typeof IntersectionObserver === "undefined") return;
    // The sidebar scrolls on its own: a page ahead of its bottom edge is near enough.
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setPages((w) => ({ from: w.from, to: w.to + PAGE })), {
      rootMargin: "0px 0px 600px 0px",
    });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasMore, to]);

  if (threads.length === 0) return <p className={pending ? "empty pending" : "empty"}>{pending ? "Loading threads…" : emptyText}</p>;
  return (
    <>
      {/* Earlier pages come only on request: added above the reader by themselves, they would push the list away under the pointer. */}
      {from > 0 && (
        <button type="button" className="more" onClick={() => setPages({ from: Math.max(0, from - PAGE), to })}>
          Show {Math.min(PAGE, from)} earlier of {from}
        </button>
      )}
      {/* `start` keeps the numbers a screen reader gives each item those of the whole list. */}
      <ol className="thread-list" aria-label="Threads" aria-busy={pending || undefined} start={from + 1}>
        {threads.slice(from, to).map((thread) => (
          <li key={thread.root.id}>
            <ThreadCard
              thread={thread}
              tally={votes.get(thread.root.id)}
              focused={thread.root.id === focusedId}
              focusedReply={thread.root.id === focusedId ? focusedReplyId : null}
              quiet={thread.root.id === focusedId && quietFocus}
              {...card}
            />
          </li>
        ))}
      </ol>
      {hasMore && (
        <button ref={more} type="button" className="more" onClick={() => setPages({ from, to: to + PAGE })}>
          Show {Math.min(PAGE, threads.length - to)} more of {threads.length - to}
        </button>
      )}
    </>
  );
});

/** The cards in the DOM: `[from, to)` of the list, whole pages. */
type Pages = { from: number; to: number };

const pageOf = (at: number): Pages => {
  const from = at - (at % PAGE);
  return { from, to: from + PAGE };
};
