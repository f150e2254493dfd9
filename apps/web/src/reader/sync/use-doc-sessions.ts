import { useEffect, useMemo, useRef, useState } from "react";
import { canModerate, groupRoom, hiddenRoom as hiddenRoomOf } from "@marginalia/schema";
import type { Article } from "../../api/articles.ts";
import { DocSession, type SessionOptions } from "../../sync/doc-session.ts";
import { useSessionState } from "../../sync/hooks.ts";
import { canWrite } from "../permissions/permissions.ts";

/** What the page is told of work the server did not take (doc-session.ts). */
type Notices = Pick<SessionOptions, "onRefused" | "onEditLost" | "onUnsendable">;

export type Sessions = { group: DocSession | null; private: DocSession | null; hidden: DocSession | null };

/**
 * The sync endpoint, as the server names it in `Article.sync.url`: its public
 * origin, which must be this page's origin for the socket to be let in.
 */
const syncUrl = () => `${location.origin.replace(/^http/, "ws")}/sync`;

/**
 * The article's live documents: the group's; (for those who may write) the
 * reader's private one, for private notes and, in pre-moderated groups,
 * submissions awaiting review; and (for moderators) what moderators hid,
 * which the server keeps out of the group's document.
 *
 * The group's document is made from the article's id alone, while the
 * article itself is still being fetched (its IndexedDB copy loads
 * meanwhile), and its socket opens once `hold` lets it: once the reader has
 * painted the highlights the server listed (early-highlights.ts), since
 * receiving and decoding a large first sync would hold that paint back. The
 * other two depend on the reader's role, so they wait for the article.
 *
 * The private document follows the role the group's socket is told as it changes, not only the one the
 * article was fetched with: a viewer promoted while reading may write at once (docs/architecture.md,
 * "The policy"). Once open it stays open for the page's life: a member demoted meanwhile keeps reading
 * what they wrote there, and anything of theirs still on its way meets the server's refusal and its
 * notice, rather than being put away unsent; the reader stops offering writes by the role itself.
 */
export function useDocSessions(
  articleId: string,
  userId: string,
  article: Article | null,
  notices: Notices,
  { hold, resyncMs }: Pick<SessionOptions, "hold" | "resyncMs"> = {},
): Sessions {
  const [group, setGroup] = useState<DocSession | null>(null);
  const [mine, setMine] = useState<DocSession | null>(null);
  const [hidden, setHidden] = useState<DocSession | null>(null);
  const refused = useRef(notices);
  refused.current = notices;
  const groupState = useSessionState(group);
  // A session stopped for good tells no role; the last one it told still stands for what was opened.
  const role = groupState.role ?? article?.role;
  const [writer, setWriter] = useState(false);
  if (!writer && role && canWrite(role) && !groupState.fatal) setWriter(true);
  const privateRoom = article?.sync.privateRoom;
  // The hidden document follows the role both ways: a member made moderator sees what moderators hid at once,
  // and one no longer moderator stops holding it (the server closes that socket; its items leave the page).
  // Only an end that takes the article away closes it with the group's: a group socket stopped for another
  // reason (a message too large, a close the client does not know) leaves the moderator what they hold.
  const moderating = !!role && canModerate(role) && groupState.end !== "access" && groupState.end !== "gone";
  const hiddenRoom = moderating ? (article?.sync.hiddenRoom ?? hiddenRoomOf(articleId)) : null;

  useEffect(() => {
    const session = open(groupRoom(articleId), userId, refused, { hold, resyncMs });
    setGroup(session);
    return () => session.destroy();
  }, [articleId, userId, hold, resyncMs]);

  useEffect(() => {
    const mine = writer && privateRoom ? open(privateRoom, userId, refused, { resyncMs }) : null;
    setMine(mine);
    return () => mine?.destroy();
  }, [privateRoom, userId, writer, resyncMs]);

  useEffect(() => {
    const hidden = hiddenRoom ? open(hiddenRoom, userId, refused, { resyncMs }) : null;
    setHidden(hidden);
    return () => hidden?.destroy();
  }, [hiddenRoom, userId, resyncMs]);

  return useMemo(() => ({ group, private: mine, hidden }), [group, mine, hidden]);
}

function open(room: string, userId: string, notices: { current: Notices }, options: Pick<SessionOptions, "hold" | "resyncMs">) {
  return new DocSession({
    url: syncUrl(),
    room,
    storageKey: `marginalia:${userId}:${room}`,
    onRefused: (reason, kept) => notices.current.onRefused?.(reason, kept),
    onEditLost: (lost) => notices.current.onEditLost?.(lost),
    onUnsendable: (unsent) => notices.current.onUnsendable?.(unsent),
    ...options,
  });
}
