import type { Member } from "../../api/groups.ts";
import { badgeColors, colorForUser, initials } from "../../lib/colors.ts";
import { RelativeTime } from "../../lib/RelativeTime.tsx";
import { fullTime } from "../../lib/time.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { KIND_LABELS, STATUS_LABELS, VERDICT_LABELS } from "../highlights/highlight-style.ts";

export const authorName = (members: Map<string, Member>, id: string) => members.get(id)?.name ?? "Former member";

export function Avatar({ userId, name, color }: { userId: string; name: string; color?: string }) {
  const { background, ink } = badgeColors(color ?? colorForUser(userId));
  return (
    <span className="avatar" style={{ backgroundColor: background, color: ink }} aria-hidden="true" title={name}>
      {initials(name)}
    </span>
  );
}

/** Who wrote it, when, whether they edited it since, and the badges: kind, verdict, status, private, resolved. */
export function AnnotationHeader({ item, members, reply = false }: { item: Item; members: Map<string, Member>; reply?: boolean }) {
  const name = authorName(members, item.authorId);
  return (
    <header className="annotation-header">
      <Avatar userId={item.authorId} name={name} />
      <span className="author">{name}</span>
      <RelativeTime at={item.createdAt} />
      {item.editedAt !== null && (
        // editedAt, not updatedAt: a resolve or a moderator's step is no change to what the author wrote.
        <span className="edited">
          <time dateTime={new Date(item.editedAt).toISOString()} title={`Edited ${fullTime(item.editedAt)}`}>
            edited
          </time>
          <span className="visually-hidden"> {fullTime(item.editedAt)}</span>
        </span>
      )}
      <span className="badges">
        {!reply && <span className={`badge kind-${item.kind}`}>{KIND_LABELS[item.kind]}</span>}
        {item.factcheck && <span className={`badge verdict verdict-${item.factcheck.verdict}`}>{VERDICT_LABELS[item.factcheck.verdict]}</span>}
        {item.status !== "published" && <span className={`badge status-${item.status}`}>{STATUS_LABELS[item.status]}</span>}
        {item.source === "private" && item.status === "published" && <span className="badge private">Only me</span>}
        {item.resolved && <span className="badge resolved">Resolved</span>}
      </span>
    </header>
  );
}
