import { useEffect, useRef, useState } from "react";
import type { Article } from "../api/articles.ts";
import { DocSession } from "../sync/doc-session.ts";
import { canWrite } from "./permissions.ts";

export type Sessions = { group: DocSession | null; private: DocSession | null; hidden: DocSession | null };

/**
 * The article's live documents: the group's; (for those who may write) the
 * reader's private one, for private notes and, in pre-moderated groups,
 * submissions awaiting review; and (for moderators) what moderators hid,
 * which the server keeps out of the group's document.
 */
export function useDocSessions(article: Article, userId: string, onRefused: (reason: string) => void): Sessions {
  const [sessions, setSessions] = useState<Sessions>({ group: null, private: null, hidden: null });
  const refused = useRef(onRefused);
  refused.current = onRefused;
  const writer = canWrite(article.role);
  const { url, room, privateRoom, hiddenRoom } = article.sync;

  useEffect(() => {
    const open = (name: string) =>
      new DocSession({ url, room: name, storageKey: `marginalia:${userId}:${name}`, onRefused: (reason) => refused.current(reason) });
    const group = open(room);
    const mine = writer ? open(privateRoom) : null;
    const hidden = hiddenRoom ? open(hiddenRoom) : null;
    setSessions({ group, private: mine, hidden });
    return () => {
      group.destroy();
      mine?.destroy();
      hidden?.destroy();
    };
  }, [url, room, privateRoom, hiddenRoom, userId, writer]);

  return sessions;
}
