import { api } from "./client.ts";
import type { AnnotationView } from "./annotations.ts";

export type QueueItem = {
  annotation: AnnotationView;
  /** What the moderator reads: an approval or a publish names it, and is refused if the author changed it since. */
  version: string;
  reason: "submission" | "review" | "flagged";
  flags: { count: number; reasons: string[] };
  /** Fact-check submissions: their passage (named by its first review) and how many independent reviews it has. */
  passage: { id: string; reviews: number; quorum: number; ready: boolean } | null;
};

export const fetchQueue = (groupId: string) =>
  api<{ items: QueueItem[] }>("GET", `/api/groups/${groupId}/moderation/queue`).then((r) => r.items);

export type ModerationAction = "approve" | "publish" | "hide" | "unhide";
/** The queue item's `version` as If-Match: the server refuses (412) a decision on text the moderator did not read. */
const reviewed = (version?: string): Record<string, string> => (version ? { "if-match": `"${version}"` } : {});
export const moderate = (id: string, action: ModerationAction, version?: string) =>
  api<unknown>("POST", `/api/annotations/${id}/${action}`, undefined, reviewed(version));
export const rejectSubmission = (id: string, reason: string, version: string) =>
  api<void>("POST", `/api/annotations/${id}/reject`, { json: { reason } }, reviewed(version));
/** Settles an annotation's open flags and leaves it as it is. */
export const dismissFlags = (id: string) => api<{ dismissed: number }>("POST", `/api/annotations/${id}/flags/dismiss`);
