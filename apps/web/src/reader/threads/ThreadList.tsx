import { memo, useEffect, useRef, useState } from "react";
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
 * the list. The list renders after the highlights (ReaderScreen defers it),
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
 * The threads in text order. With thousands of annotations only the first
 * pages are in the DOM: more come as the reader scrolls towards the end (or
 * presses the button), and focusing a thread further down brings it in.
 * Memoised: the reader re-renders on every document change, and the list's
 * own props change far less often.
 */
export const ThreadList = memo(function ThreadList({ threads, votes, focusedId, focusedReplyId, quietFocus = false, emptyText, pending = false, ...card }: Props) {
  const [limit, setLimit] = useState(PAGE);
  const more = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const at = focusedId ? threads.findIndex((t) => t.root.id === focusedId) : -1;
    if (at >= limit) setLimit(Math.ceil((at + 1) / PAGE) * PAGE);
  }, [focusedId, threads, limit]);

  const hasMore = threads.length > limit;
  useEffect(() => {
    const button = more.current;
    if (!hasMore || !button || typeof IntersectionObserver === "undefined") return;
    // The sidebar scrolls on its own: a page ahead of its bottom edge is near enough.
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setLimit((l) => l + PAGE), { rootMargin: "0px 0px 600px 0px" });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasMore, limit]);

  if (threads.length === 0) return <p className={pending ? "empty pending" : "empty"}>{pending ? "Loading threads…" : emptyText}</p>;
  return (
    <>
      <ol className="thread-list" aria-label="Threads" aria-busy={pending || undefined}>
        {threads.slice(0, limit).map((thread) => (
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
        <button ref={more} type="button" className="more" onClick={() => setLimit(limit + PAGE)}>
          Show {Math.min(PAGE, threads.length - limit)} more of {threads.length - limit}
        </button>
      )}
    </>
  );
});
