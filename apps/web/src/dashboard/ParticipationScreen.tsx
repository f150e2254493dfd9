import { type ParticipationRow, fetchParticipation, participationCsvUrl } from "../api/sessions.ts";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { Link } from "../app/router.tsx";
import { useAsync } from "../lib/use-async.ts";
import { fullTime } from "../lib/time.ts";
import "./dashboard.css";

const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

/**
 * The seminar view: each member's part in the article's session, idle
 * members included. Owners and moderators only; the server answers 403 to
 * anyone else, and that answer is shown as it is.
 */
export function ParticipationScreen({ articleId }: { articleId: string }) {
  const view = useAsync(() => fetchParticipation(articleId), [articleId]);
  useDocumentTitle("Participation", view.data?.title);
  return (
    <main className="page participation">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={`/articles/${articleId}`}>{view.data?.title ?? "Article"}</Link> ›{" "}
        <Link to={`/articles/${articleId}/dashboard`}>Live session</Link>
      </nav>
      <h1>Participation</h1>
      {view.error && <p className="error" role="alert">{view.error}</p>}
      {!view.data && !view.error && <p role="status">Loading…</p>}
      {view.data && (
        <>
          <div className="form-actions">
            <a href={participationCsvUrl(articleId)} download>
              Download CSV
            </a>
            <button type="button" onClick={() => void view.reload()} disabled={view.loading}>
              Refresh
            </button>
            <span className="hint">Coverage is the share of the article's {view.data.textLength.toLocaleString()} characters under a member's annotations.</span>
          </div>
          <ParticipationTable rows={view.data.members} />
        </>
      )}
    </main>
  );
}

const COLUMNS = ["Member", "Role", "Highlights", "Comments", "Fact-checks", "Replies", "Votes received", "Coverage", "Active"];

function ParticipationTable({ rows }: { rows: readonly ParticipationRow[] }) {
  return (
    // Wider than a narrow screen: it scrolls within its own box, reachable and scrollable from the keyboard,
    // rather than moving the whole page sideways.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus for keyboard users to scroll it.
    <div className="table-scroll" role="region" aria-label="Participation by member" tabIndex={0}>
      <table className="members participation-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.user.id}>
              <th scope="row">{r.user.name ?? "A former member"}</th>
              <td>{r.role ?? "left the group"}</td>
              <td>{r.annotations.highlight}</td>
              <td>{r.annotations.comment}</td>
              <td>{r.annotations.factcheck}</td>
              <td>{r.replies}</td>
              <td>
                <span title="agree">+{r.votesReceived.agree}</span> / <span title="disagree">−{r.votesReceived.disagree}</span>
              </td>
              <td>{percent.format(r.coverage)}</td>
              <td>{activeText(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function activeText(r: ParticipationRow): string {
  if (r.firstActiveAt === null || r.lastActiveAt === null) return "not yet";
  const span = r.lastActiveAt - r.firstActiveAt < 60_000 ? fullTime(r.firstActiveAt) : `${fullTime(r.firstActiveAt)} – ${fullTime(r.lastActiveAt)}`;
  const days = r.activeDays.length === 1 ? "1 day" : `${r.activeDays.length} days`;
  const hours = r.activeHours === 1 ? "1 hour" : `${r.activeHours} hours`;
  return `${span} (${days}, ${hours})`;
}
