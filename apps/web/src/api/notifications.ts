import { api } from "./client.ts";

export type Notification = {
  id: number;
  kind: "mention" | "reply" | "moderation" | "assignment" | "review" | "stale";
  annotationId: string | null;
  articleId: string | null;
  actor: { id: string | null; name: string | null } | null;
  data: {
    action?: string;
    reason?: string | null;
    dueAt?: string | null;
    revision?: number;
    claim?: string | null;
    /** Review: the passage a submission or a set of expert reviews is about, and how many reviews it has of how many. */
    quote?: string | null;
    annotationKind?: string;
    reviews?: number;
    quorum?: number;
    /** Stale: whether the recipient may confirm or revise the verdict ("revise"), or it is locked to them ("ask"). */
    may?: "revise" | "ask";
  } | null;
  createdAt: string;
  readAt: string | null;
};

export const fetchNotifications = () =>
  api<{ notifications: Notification[] }>("GET", "/api/me/notifications?limit=20").then((r) => r.notifications);
export const markAllRead = () => api<{ marked: number }>("POST", "/api/me/notifications/read", { json: {} });

/** One line for a notification, as text (names come from other users and are rendered as text). */
export function describeNotification(n: Notification): string {
  const who = n.actor?.name ?? "Someone";
  if (n.kind === "reply") return `${who} replied to your annotation`;
  if (n.kind === "mention") return `${who} mentioned you`;
  if (n.kind === "assignment") {
    const due = n.data?.dueAt ? `, due ${new Date(n.data.dueAt).toLocaleString()}` : "";
    return `${who} asked you to answer an annotation${due}`;
  }
  if (n.kind === "review") return describeReview(n, who);
  if (n.kind === "stale") {
    const claim = n.data?.claim ? ` on “${n.data.claim}”` : "";
    const changed = `Revision ${n.data?.revision ?? "?"} changed the passage under a verdict${claim}`;
    // Told by what the recipient may do (hooks/stale.ts): a published fact-check is locked to its author.
    if (n.data?.may === "ask") return `${changed}: it is published and locked, so a moderator confirms or revises it; flag it to tell them what should change`;
    return `${changed}: confirm or revise it`;
  }
  const action = n.data?.action ?? "reviewed";
  const verbs: Record<string, string> = { confirm: "confirmed the verdict of", approve: "approved", reject: "rejected", publish: "published", hide: "hid", unhide: "restored" };
  return `${who} ${verbs[action] ?? action} your annotation${n.data?.reason ? `: ${n.data.reason}` : ""}`;
}

/** What waits for a moderator: a submission, a flag, or a passage whose expert reviews are all in. */
function describeReview(n: Notification, who: string): string {
  const on = n.data?.quote ? ` on “${n.data.quote}”` : "";
  const what = n.data?.annotationKind === "factcheck" ? "a fact-check" : `a ${n.data?.annotationKind ?? "annotation"}`;
  if (n.data?.action === "submitted") return `${who} submitted ${what}${on} for review`;
  if (n.data?.action === "resubmitted") return `${who} revised ${what}${on} after its rejection and submitted it again`;
  if (n.data?.action === "edited") return `${who} changed ${what}${on} that waits for review`;
  if (n.data?.action === "flagged") return `${who} flagged an annotation${n.data.reason ? `: ${n.data.reason}` : ""}`;
  return `A passage has its ${n.data?.reviews ?? "expected"} independent fact-checks${on}: ready for your decision`;
}
