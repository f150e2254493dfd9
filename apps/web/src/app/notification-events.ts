import { useEffect, useState } from "react";
import type { Notification } from "../api/notifications.ts";

const listeners = new Set<(notification: Notification) => void>();

/** A notification the bell's stream just brought, passed on to the screens that show what it announces. */
export function announceNotification(notification: Notification) {
  for (const listener of listeners) listener(notification);
}

/**
 * How many notifications of `kind` arrived while the screen was open: a screen that lists what they announce
 * (the moderation queue) reads its list again when the count moves, rather than polling for it.
 */
export function useNotificationsHeard(kind: Notification["kind"]): number {
  const [heard, setHeard] = useState(0);
  useEffect(() => {
    const listener = (notification: Notification) => {
      if (notification.kind === kind) setHeard((n) => n + 1);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [kind]);
  return heard;
}
