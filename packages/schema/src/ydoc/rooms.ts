/**
 * Room names: which Y.Doc a websocket joins. The server hands them out in
 * `GET /api/articles/:id` (`sync.room`, `sync.privateRoom`); clients never
 * need to build one, but they are stable and documented.
 */
export type Room =
  | { kind: "group"; articleId: string }
  | { kind: "private"; articleId: string; userId: string };

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const ROOM = new RegExp(`^article:(${UUID})(?::private:(${UUID}))?$`);

export const groupRoom = (articleId: string) => `article:${articleId}`;
export const privateRoom = (articleId: string, userId: string) => `article:${articleId}:private:${userId}`;

export function roomName(room: Room): string {
  return room.kind === "group" ? groupRoom(room.articleId) : privateRoom(room.articleId, room.userId);
}

export function parseRoom(name: string): Room | null {
  const match = ROOM.exec(name);
  if (!match) return null;
  const [, articleId, userId] = match as unknown as [string, string, string | undefined];
  return userId ? { kind: "private", articleId, userId } : { kind: "group", articleId };
}
