import { useEffect, useState } from "react";
import { ThreadCard, type ThreadCardProps } from "./ThreadCard.tsx";
import type { Thread } from "./threads.ts";
import type { VoteTally } from "../sync/annotation-store.ts";

const PAGE = 150;

type Props = Omit<ThreadCardProps, "thread" | "tally" | "focused"> & {
  threads: readonly Thread[];
  votes: Map<string, VoteTally>;
  focusedId: string | null;
  emptyText: string;
};

/**
 * The threads in text order. With thousands of annotations only the first
 * pages are in the DOM; focusing a thread further down brings it in.
 */
export function ThreadList({ threads, votes, focusedId, emptyText, ...card }: Props) {
  const [limit, setLimit] = useState(PAGE);
  useEffect(() => {
    const at = focusedId ? threads.findIndex((t) => t.root.id === focusedId) : -1;
    if (at >= limit) setLimit(Math.ceil((at + 1) / PAGE) * PAGE);
  }, [focusedId, threads, limit]);

  if (threads.length === 0) return <p className="empty">{emptyText}</p>;
  return (
    <>
      <ol className="thread-list" aria-label="Threads">
        {threads.slice(0, limit).map((thread) => (
          <li key={thread.root.id}>
            <ThreadCard thread={thread} tally={votes.get(thread.root.id)} focused={thread.root.id === focusedId} {...card} />
          </li>
        ))}
      </ol>
      {threads.length > limit && (
        <button type="button" className="more" onClick={() => setLimit(limit + PAGE)}>
          Show {Math.min(PAGE, threads.length - limit)} more of {threads.length - limit}
        </button>
      )}
    </>
  );
}
