/**
 * Room names: which Y.Doc a websocket joins. The server hands them out in
 * `GET /api/articles/:id` (`sync.room`, `sync.privateRoom`); clients never
 * need to build one, but they are stable and documented.
 */
export type Room =
  | { kind: "group"; articleId: string }
  | { kind: "private"; articleId: string; userId: string }
  /**
   * What moderators hid from the group: the server moves a hidden annotation
   * (with its replies and votes) out of the group's document into this one,
   * which only moderators may join, so members' sockets never carry it; a
   * moderator's unhide moves it back. See docs/architecture.md, "Documents follow audiences".
   */
  | { kind: "hidden"; articleId: string };

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const ROOM = new RegExp(`^article:(${UUID})(?::private:(${UUID})|:(hidden))?$`);

export const groupRoom = (articleId: string) => `article:${articleId}`;
export const privateRoom = (articleId: string, userId: string) => `article:${articleId}:private:${userId}`;
export const hiddenRoom = (articleId: string) => `article:${articleId}:hidden`;

export function roomName(room: Room): string {
  if (room.kind === "private") return privateRoom(room.articleId, room.userId);
  return room.kind === "hidden" ? hiddenRoom(room.articleId) : groupRoom(room.articleId);
}

export function parseRoom(name: string): Room | null {
  const match = ROOM.exec(name);
  if (!match) return null;
  const [, articleId, userId, hidden] = match as unknown as [string, string, string | undefined, string | undefined];
  if (userId) return { kind: "private", articleId, userId };
  return hidden ? { kind: "hidden", articleId } : { kind: "group", articleId };
}
