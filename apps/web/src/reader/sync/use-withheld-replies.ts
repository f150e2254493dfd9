import { useEffect } from "react";
import { withheldOf } from "@marginalia/schema";
import type { AnnotationStore } from "../../sync/annotation-store.ts";
import type { DocSession } from "../../sync/doc-session.ts";
import { editedText, withheldReplyNotice } from "./refusal-words.ts";
import type { TellNotice } from "./use-sync-notice.ts";

/**
 * Our replies that reached the server after a moderator hid their thread (sent from offline, or in the same
 * instant). The server takes such a reply and then moves it after its thread, into the hidden document
 * (docs/sync.md, "Find the rooms", on `hiddenRoom`): nothing is refused, and the reply leaves the group's document on its own,
 * its thread already gone. A thread hidden with our replies in it leaves in one change, root and replies
 * together; that is the hide the page shows anyway, and is not told. Moderators hold the hidden document
 * and see the reply arrive there, so only the other members are told.
 */
export function useWithheldReplies(store: AnnotationStore | null, session: DocSession | null, self: string, tell: TellNotice, enabled: boolean) {
  useEffect(() => {
    if (!store || !session || !enabled) return;
    return store.onRemoved((removed, local) => {
      if (local) return;
      const leaving = new Set(removed.map((item) => item.id));
      const withheld = withheldOf(session.doc);
      const mine = removed.filter((item) => item.authorId === self && item.parentId && !leaving.has(item.parentId) && withheld.has(item.parentId));
      if (mine.length) tell(withheldReplyNotice(mine.length), mine.map(editedText).join("\n\n"));
    });
  }, [store, session, self, tell, enabled]);
}
