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
export const moderate = (id: string, action: ModerationAction, version?: string) =>
  api<unknown>("POST", `/api/annotations/${id}/${action}`, undefined, version ? { "if-match": `"${version}"` } : {});
export const rejectSubmission = (id: string, reason: string) =>
  api<void>("POST", `/api/annotations/${id}/reject`, { json: { reason } });
/** Settles an annotation's open flags and leaves it as it is. */
export const dismissFlags = (id: string) => api<{ dismissed: number }>("POST", `/api/annotations/${id}/flags/dismiss`);
