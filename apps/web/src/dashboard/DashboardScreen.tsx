import { useEffect, useMemo } from "react";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { CodePointIndex, type SessionSummary } from "@marginalia/schema";
import { type Article, fetchArticle } from "../api/articles.ts";
import { fetchGroup } from "../api/groups.ts";
import { Link } from "../app/router.tsx";
import { useMe } from "../app/session.tsx";
import { useAsync } from "../lib/use-async.ts";
import { canModerate } from "../reader/permissions/index.ts";
import { useDocSessions, useMembers } from "../reader/sync/index.ts";
import { useSessionState } from "../sync/hooks.ts";
import { ActivityChart } from "./ActivityChart.tsx";
import { AgreementPanel } from "./AgreementPanel.tsx";
import { LatestActivity } from "./LatestActivity.tsx";
import { PeopleAtWork } from "./PeopleAtWork.tsx";
import { useSummary } from "./summary-store.ts";
import { VerdictChart } from "./VerdictChart.tsx";
import "./dashboard.css";

const DASHBOARD_SYNC = { resyncMs: 20_000 };

export function DashboardScreen({ articleId }: { articleId: string }) {
  const article = useAsync(() => fetchArticle(articleId), [articleId]);
  useDocumentTitle("Live session", article.data?.title);
  if (!article.data) {
    return <main className="page">{article.error ? <p className="error" role="alert">{article.error}</p> : <p role="status">Loading the dashboard…</p>}</main>;
  }
  return <Dashboard article={article.data} />;
}

/**
 * The article's session as it happens: the group document joined as the
 * reader joins it, and the numbers recomputed from it and its presence on
 * every change, with no polling.
 */
function Dashboard({ article }: { article: Article }) {
  const me = useMe();
  const groupInfo = useAsync(() => fetchGroup(article.groupId), [article.groupId]);
  // The dashboard only reads: a refusal cannot come from it, and the reader is where one would be explained.
  // It shows no presence of its own, so it may hear nothing for longer than a provider waits (DocSession.resyncMs).
  const sessions = useDocSessions(article.id, me.user.id, article, {}, DASHBOARD_SYNC);
  const group = sessions.group;
  const { generation, fatal } = useSessionState(group);
  useEffect(() => {
    // Watching the numbers is not reading the article: stay out of everyone's presence, this summary's included.
    group?.awareness.setLocalState(null);
  }, [group, generation]);
  const index = useMemo(() => new CodePointIndex(article.text), [article.text]);
  const summary = useSummary(group, index);
  const ids = useMemo(() => peopleIn(summary), [summary]);
  const members = useMembers(article.groupId, ids);
  const nameOf = (id: string) => members.get(id)?.name ?? (members.size ? "A former member" : "…");

  return (
    <main className="page dashboard">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/groups/${article.groupId}`}>{groupInfo.data?.name ?? "Group"}</Link> › <Link to={`/articles/${article.id}`}>{article.title}</Link>
        {canModerate(article.role) && (
          <>
            {" · "}
            <Link to={`/articles/${article.id}/participation`}>Participation</Link>
          </>
        )}
      </nav>
      <h1>Live session</h1>
      {fatal && <p className="error" role="alert">{fatal}</p>}
      {!summary ? (
        <p role="status">Joining the session…</p>
      ) : (
        <>
          <dl className="stats" aria-label="Session numbers">
            <Stat label="Claims found" value={summary.claims.total} />
            <Stat label="Claims published" value={summary.claims.published} />
            <Stat label="Claims in review" value={summary.claims.inReview} />
            <Stat label="Open threads" value={summary.threads.open} />
            <Stat label="Resolved threads" value={summary.threads.resolved} />
            <Stat label="Replies" value={summary.annotations.replies} />
          </dl>
          <div className="dashboard-grid">
            <section className="panel" aria-labelledby="verdicts-title">
              <h2 id="verdicts-title">Verdicts so far</h2>
              <VerdictChart verdicts={summary.verdicts} />
            </section>
            <section className="panel" aria-labelledby="people-title">
              <h2 id="people-title">Who is working on what</h2>
              <PeopleAtWork people={summary.people} nameOf={nameOf} />
            </section>
            {canModerate(article.role) && (
              <section className="panel wide" aria-labelledby="agreement-title">
                <h2 id="agreement-title">Reviewer agreement</h2>
                <AgreementPanel article={article} version={verdictCount(summary)} index={index} />
              </section>
            )}
            <section className="panel wide" aria-labelledby="timeline-title">
              <h2 id="timeline-title">Activity</h2>
              <ActivityChart buckets={summary.timeline.buckets} bucketMs={summary.timeline.bucketMs} />
              <LatestActivity events={summary.timeline.latest} nameOf={nameOf} />
            </section>
          </div>
        </>
      )}
    </main>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** Changes whenever a verdict is given or changed, which is when agreement can move. */
const verdictCount = (summary: SessionSummary) => `${JSON.stringify(summary.verdicts)}/${summary.claims.inReview}`;

/** Everyone the summary names, sorted so that the member list is fetched again only when someone new appears. */
function peopleIn(summary: SessionSummary | null): string[] {
  if (!summary) return [];
  const ids = new Set([...summary.people.map((p) => p.userId), ...summary.timeline.latest.map((e) => e.authorId)]);
  return [...ids].sort();
}
