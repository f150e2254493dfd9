import { fetchGroup } from "../api/groups.ts";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { Link } from "../app/router.tsx";
import { useAsync } from "../lib/use-async.ts";
import { ModerationQueue } from "../reader/moderation/index.ts";

/** The group's queue on a page of its own, for moderators working through it. */
export function ModerationScreen({ groupId }: { groupId: string }) {
  const group = useAsync(() => fetchGroup(groupId), [groupId]);
  useDocumentTitle("Moderation queue", group.data?.name);
  return (
    <main className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/">Groups</Link> / <Link to={`/groups/${groupId}`}>{group.data?.name ?? "Group"}</Link> /{" "}
        <span aria-current="page">Moderation</span>
      </nav>
      <h1>Moderation queue</h1>
      {group.error && <p className="error" role="alert">{group.error}</p>}
      <ModerationQueue groupId={groupId} />
    </main>
  );
}
