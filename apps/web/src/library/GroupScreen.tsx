import { fetchArticles } from "../api/articles.ts";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { fetchGroup } from "../api/groups.ts";
import { Link } from "../app/router.tsx";
import { useAsync } from "../lib/use-async.ts";
import { canModerate } from "../reader/permissions/index.ts";
import { GroupSearch } from "./GroupSearch.tsx";
import { GroupSettingsPanel } from "./GroupSettingsPanel.tsx";
import { ImportForm } from "./ImportForm.tsx";
import { MembersPanel } from "./MembersPanel.tsx";

/** A group: its articles, importing more, and its members. */
export function GroupScreen({ groupId }: { groupId: string }) {
  const group = useAsync(() => fetchGroup(groupId), [groupId]);
  const articles = useAsync(() => fetchArticles(groupId), [groupId]);
  useDocumentTitle(group.data?.name ?? "Group");

  if (group.error) return <main className="page"><p className="error" role="alert">{group.error}</p></main>;
  if (!group.data) return <main className="page"><p role="status">Loading…</p></main>;
  const g = group.data;

  return (
    <main className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/">Groups</Link> / <span aria-current="page">{g.name}</span>
      </nav>
      <h1>{g.name}</h1>
      <p className="muted">
        Your role: <strong>{g.role}</strong> · {g.moderation === "pre" ? "pre-moderated" : "open"} group
        {g.anonymousToPeers && " · anonymous to peers"}
        {g.reviewQuorum > 1 && ` · ${g.reviewQuorum} independent reviews per passage`}
        {canModerate(g.role) && (
          <>
            {" · "}
            <Link to={`/groups/${g.id}/moderation`}>Moderation queue</Link>
          </>
        )}
      </p>
      <GroupSearch groupId={g.id} articles={articles.data} />
      <section aria-labelledby="articles-heading">
        <h2 id="articles-heading">Articles</h2>
        {articles.error && <p className="error" role="alert">{articles.error}</p>}
        {/* A line held for the list while it loads, so that the import form below does not jump under the pointer. */}
        {!articles.data && !articles.error && <p role="status">Loading articles…</p>}
        {articles.data?.length === 0 && <p>No articles yet.{canModerate(g.role) && " Import one below."}</p>}
        <ul className="cards" aria-label="Articles">
          {articles.data?.map((a) => (
            <li key={a.id} className="card">
              <Link to={`/articles/${a.id}`} className="card-title">
                {a.title}
              </Link>
              <span className="muted">
                {a.byline ? `${a.byline} · ` : ""}revision {a.revision} · {new Date(a.updatedAt).toLocaleDateString()}
              </span>
            </li>
          ))}
        </ul>
      </section>
      {canModerate(g.role) && <ImportForm groupId={g.id} />}
      <MembersPanel groupId={g.id} myRole={g.role} />
      {g.role === "owner" && <GroupSettingsPanel group={g} onSaved={() => void group.reload()} />}
    </main>
  );
}
