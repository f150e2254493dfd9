import { type Room, roomName } from "@marginalia/schema";

/**
 * Which document a change belongs to, as the commit and its hooks see it. The one module the realtime
 * core (sync/) and the services share to name documents: neither imports the other for it.
 */
export type DocContext = {
  docName: string;
  articleId: string;
  groupId: string;
  visibility: "group" | "private";
  /** The article's current revision, for annotations without a target. */
  revision: number;
};

export function contextFor(room: Room, groupId: string, revision: number): DocContext {
  return {
    docName: roomName(room),
    articleId: room.articleId,
    groupId,
    // Hidden work is still the group's (listed for moderators); only its document differs.
    visibility: room.kind === "private" ? "private" : "group",
    revision,
  };
}
