/** An article's live documents, and the names of the people in them. */
export { type Sessions, useDocSessions } from "./use-doc-sessions.ts";
export { useMembers } from "./use-members.ts";
