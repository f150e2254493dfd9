import { annotationPath, articlePath } from "@marginalia/schema";
import { useCallback, useEffect, useState } from "react";
import { type Notification, describeNotification, fetchNotifications, markAllRead } from "../api/notifications.ts";
import { RelativeTime } from "../lib/RelativeTime.tsx";
import { useBatchedAnnouncer } from "./announcer.tsx";
import { closeDetailsOnEscape, closeDetailsOnLeave } from "../lib/details.ts";
import { announceNotification } from "./notification-events.ts";
import { Link } from "./router.tsx";

const POLL_MS = 30_000;
/** New notifications as they are written (Server-Sent Events); the browser reconnects it by itself. */
const STREAM_URL = "/api/me/notifications/stream";
/** As many as fetchNotifications asks for. */
const LISTED = 20;

/** Replies, mentions, assignments and moderation decisions about your work, with a count of the unread ones. */
export function NotificationsMenu() {
  const [items, setItems] = useState<Notification[]>([]);
  const [open, setOpen] = useState(false);
  // The bell's count is in its name, which is not spoken as it changes: the live region tells it.
  const tell = useBatchedAnnouncer<Notification>((batch) =>
    batch.length === 1 ? `New notification: ${describeNotification(batch[0]!)}` : `${batch.length} new notifications.`,
  );

  const load = useCallback(() => {
    fetchNotifications()
      .then(setItems)
      // The list shown stays as it was; the next poll (or opening the menu) asks again.
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    let stream: EventSource | null = null;
    let stopped = false;
    // Opened once the first list is in, after its newest item: a notification written between the two is
    // neither missed nor shown twice.
    const listen = (after: number | null) => {
      if (stopped || typeof EventSource === "undefined") return;
      stream = new EventSource(after === null ? STREAM_URL : `${STREAM_URL}?after=${after}`);
      stream.addEventListener("notification", (event) => {
        const pushed = JSON.parse((event as MessageEvent<string>).data) as Notification;
        announceNotification(pushed);
        // One written as read is news for the screens that show what it is about (the queue), not for the bell.
        if (!pushed.readAt) tell(pushed);
        setItems((current) => (current.some((n) => n.id === pushed.id) ? current : [pushed, ...current.filter((n) => !replaces(pushed, n))].slice(0, LISTED)));
      });
      // The session ended or the token was revoked: reconnecting would only be refused.
      stream.addEventListener("end", () => stream?.close());
    };
    fetchNotifications()
      .then((listed) => {
        setItems(listed);
        listen(listed.reduce((newest, n) => Math.max(newest, n.id), 0));
      })
      .catch(() => listen(null));
    // The poll stays as the fallback: a stream that cannot open (a proxy that buffers, too many tabs) changes nothing.
    const timer = setInterval(load, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      stream?.close();
    };
  }, [load, tell]);

  const unread = items.filter((n) => !n.readAt).length;
  const toggle = (next: boolean) => {
    setOpen(next);
    if (next) load();
    else if (unread) void markAllRead().then(load);
  };

  return (
    <details className="menu notifications" open={open} onToggle={(e) => toggle(e.currentTarget.open)} onKeyDown={closeDetailsOnEscape} onBlur={closeDetailsOnLeave}>
      <summary aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}>
        {/* Drawn, not an emoji: machines without an emoji font would show a box. */}
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread > 0 && <span className="unread-count">{unread}</span>}
      </summary>
      <ul aria-label="Notifications">
        {items.length === 0 && <li className="empty">Nothing new.</li>}
        {items.map((n) => (
          <li key={n.id} className={n.readAt ? undefined : "unread"}>
            {n.articleId ? (
              <Link to={n.annotationId ? annotationPath(n.articleId, n.annotationId) : articlePath(n.articleId)} onClick={() => toggle(false)}>
                {describeNotification(n)}
                <span className="muted">
                  {" · "}
                  <RelativeTime at={Date.parse(n.createdAt)} />
                </span>
              </Link>
            ) : (
              <span>{describeNotification(n)}</span>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * The server keeps only the newest notice of an author's edit to a waiting submission (each version they type
 * writes one): one pushed replaces the one before it in the list, as the server's list would on the next read.
 */
const replaces = (pushed: Notification, listed: Notification) =>
  pushed.kind === "review" && pushed.data?.action === "edited" && listed.kind === "review" && listed.data?.action === "edited" && listed.annotationId === pushed.annotationId;
