import { useState } from "react";
import { type Role, canModerate, canWrite } from "@marginalia/schema";

/**
 * A role changed while the page is open (the server tells the group's socket: docs/sync.md, "8. Close codes")
 * is told in words, with what it now allows: the badge alone changes silently, and a member demoted in the
 * middle of writing would otherwise find the buttons gone without a reason. The page's first role is no news,
 * and `null` (the connection ended for good, which the page tells in its own words) changes nothing.
 */
export function useRoleNotice(role: Role | null) {
  const [seen, setSeen] = useState(role);
  const [notice, setNotice] = useState<string | null>(null);
  if (role && role !== seen) {
    setSeen(role);
    if (seen) setNotice(roleWords(role));
  }
  return { notice, dismiss: () => setNotice(null) };
}

export function roleWords(role: Role): string {
  const now = `Your role in this group is now ${role}:`;
  if (!canWrite(role)) return `${now} you can read the annotations, but not add or change any. Nothing you had saved is lost.`;
  if (!canModerate(role)) return `${now} you can annotate this article.`;
  return `${now} you can annotate this article and moderate the group's annotations.`;
}
