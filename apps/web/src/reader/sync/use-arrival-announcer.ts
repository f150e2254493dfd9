import { useEffect, useRef } from "react";
import type { Member } from "../../api/groups.ts";
import { useBatchedAnnouncer } from "../../app/announcer.tsx";
import type { Item } from "../../sync/annotation-store.ts";
import { authorName } from "../threads/AnnotationHeader.tsx";
import { quoteStart } from "../threads/describe.ts";
import { VERDICT_LABELS } from "../highlights/highlight-style.ts";

/** What an item's author did, in words: "replied: …", "commented on “…”: …". */
function did(item: Item): string {
  const on = item.target ? ` on “${quoteStart(item.target.exact, 8)}”` : "";
  const body = item.body ? `: ${quoteStart(item.body)}` : "";
  if (item.parentId) return `replied${body}`;
  if (item.kind === "factcheck") return `added a fact-check${item.factcheck ? `, verdict ${VERDICT_LABELS[item.factcheck.verdict]},` : ""}${on}`;
  return `${item.kind === "comment" ? "commented" : "highlighted"}${on}${body}`;
}

/**
 * Tells a screen reader what other members add while the article is open (the
 * list and the highlights change silently). What is there when the documents
 * first sync is not news; a burst (a paste, an import) is told in one sentence.
 * Focus never moves for it.
 */
export function useArrivalAnnouncer(items: readonly Item[], self: string, members: Map<string, Member>, synced: boolean) {
  const seen = useRef<Set<string> | null>(null);
  const names = useRef(members);
  names.current = members;
  const tell = useBatchedAnnouncer<Item>((batch) => {
    if (batch.length === 1) return `${authorName(names.current, batch[0]!.authorId)} ${did(batch[0]!)}`;
    const authors = [...new Set(batch.map((i) => authorName(names.current, i.authorId)))];
    return `${batch.length} new annotations and replies, from ${authors.join(", ")}.`;
  });
  useEffect(() => {
    if (!synced) return;
    if (!seen.current) {
      seen.current = new Set(items.map((i) => i.id));
      return;
    }
    for (const item of items) {
      if (seen.current.has(item.id)) continue;
      seen.current.add(item.id);
      if (item.authorId !== self) tell(item);
    }
  }, [items, self, synced, tell]);
}
