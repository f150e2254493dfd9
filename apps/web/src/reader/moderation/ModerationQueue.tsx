import { type FormEvent, useEffect, useRef, useState } from "react";
import { focusLost, useFocusReturn } from "../../lib/focus.ts";
import { closeOnEscape } from "../threads/keyboard.ts";
import { ApiError, errorMessage } from "../../api/client.ts";
import { type ModerationAction, type QueueItem, dismissFlags, fetchQueue, moderate, rejectSubmission } from "../../api/moderation.ts";
import { useAsync } from "../../lib/use-async.ts";
import { useNotificationsHeard } from "../../app/notification-events.ts";
import { KIND_LABELS, VERDICT_LABELS } from "../highlights/highlight-style.ts";
import { SafeText } from "../threads/SafeText.tsx";
import { SourceList } from "../factcheck/SourceList.tsx";
import { PassageMark } from "./PassageMark.tsx";
import { announce } from "../../app/announcer.tsx";

const REASONS = { submission: "Submission", review: "Awaiting publication", flagged: "Flagged" } as const;

/** Pending submissions, fact-checks awaiting publication and flagged annotations of a group. */
export function ModerationQueue({ groupId, articleId, version = 0 }: { groupId: string; articleId?: string; version?: number }) {
  // Submissions and flags arrive where no document this page holds would show them: their notifications say so.
  const heard = useNotificationsHeard("review");
  const queue = useAsync(() => fetchQueue(groupId), [groupId, version, heard]);
  const [error, setError] = useState<string | null>(null);
  // A queue that could not be read again (the reader lost the moderator role, or the group) is not shown as
  // it last read: its buttons would only be refused.
  const items = queue.error ? [] : (queue.data ?? []).filter((i) => !articleId || i.annotation.articleId === articleId);

  // Where the acted-on item stood: when it leaves the queue, focus goes to the one that takes its place.
  const section = useRef<HTMLElement>(null);
  const actedAt = useRef<number | null>(null);
  useEffect(() => {
    const at = actedAt.current;
    if (at === null || !section.current || !queue.data) return;
    actedAt.current = null;
    if (!focusLost()) return;
    const entries = section.current.querySelectorAll<HTMLElement>(".queue-item");
    (entries[Math.min(at, entries.length - 1)] ?? section.current).focus();
  }, [queue.data]);

  const act = async (action: () => Promise<unknown>, outcome: string) => {
    setError(null);
    const entries = [...(section.current?.querySelectorAll(".queue-item") ?? [])];
    const at = entries.findIndex((e) => e.contains(document.activeElement));
    actedAt.current = at < 0 ? null : at;
    try {
      await action();
      await queue.reload();
      announce(outcome);
    } catch (err) {
      // The queue learns of an author's edits and withdrawals only when it is read again: a decision it
      // sent on what it showed finds them. A submission changed since (412) is shown as it now reads, and
      // one withdrawn (404) leaves it.
      setError(err instanceof ApiError && err.status === 404 ? "Withdrawn by its author since you read it: nothing was decided." : errorMessage(err));
      await queue.reload();
    }
  };

  return (
    <section ref={section} className="queue" aria-label="Moderation queue" tabIndex={-1}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {queue.error && <p className="error">{queue.error}</p>}
      {queue.data && !queue.error && items.length === 0 && <p className="empty">Nothing waits for review.</p>}
      <ul className="queue-list">
        {byPassage(items).map((group) =>
          group.length > 1 || (group[0]!.passage?.quorum ?? 1) > 1 ? (
            <PassageReviews key={group[0]!.passage!.id} items={group} onAct={act} />
          ) : (
            <QueueEntry key={group[0]!.annotation.id} item={group[0]!} onAct={act} />
          ),
        )}
      </ul>
    </section>
  );
}

/** Runs a moderator's action; `outcome` is what is announced once it is done. */
type OnAct = (action: () => Promise<unknown>, outcome: string) => Promise<void>;

/** Consecutive items of one passage together; the server already lists a passage's reviews side by side. */
function byPassage(items: readonly QueueItem[]): QueueItem[][] {
  const groups: QueueItem[][] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (item.passage && last?.[0]?.passage?.id === item.passage.id) last.push(item);
    else groups.push([item]);
  }
  return groups;
}

/**
 * The independent reviews of one passage (expert review). Under a
 * quorum they are published together, so approving any one publishes all.
 */
function PassageReviews({ items, onAct }: { items: QueueItem[]; onAct: OnAct }) {
  const { reviews, quorum, ready } = items[0]!.passage!;
  const label = `${reviews} of ${quorum} independent reviews`;
  return (
    <li className="queue-passage" aria-label={`Passage: ${label}`}>
      <p>
        <strong>{label}</strong>{" "}
        <span className={`badge${ready ? " ready" : ""}`}>{ready ? "Ready to publish" : "Waiting for reviews"}</span>
      </p>
      <ul className="queue-list">
        {items.map((item) => (
          <QueueEntry key={item.annotation.id} item={item} onAct={onAct} />
        ))}
      </ul>
    </li>
  );
}

function QueueEntry({ item, onAct }: { item: QueueItem; onAct: OnAct }) {
  const [rejecting, setRejecting] = useState(false);
  const rejectButton = useFocusReturn<HTMLButtonElement>();
  const stopRejecting = () => {
    setRejecting(false);
    rejectButton.closed();
  };
  const a = item.annotation;
  const what = `${KIND_LABELS[a.kind]} by ${a.author.name ?? "a former member"}`;
  const run = (action: ModerationAction, done: string) =>
    void onAct(() => moderate(a.id, action, action === "publish" ? item.version : undefined), `${done}: ${what}.`);
  const reject = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
    if (reason) void onAct(() => rejectSubmission(a.id, reason, item.version), `Rejected: ${what}.`);
  };

  return (
    <li className="queue-item" tabIndex={-1} aria-label={`${REASONS[item.reason]}: ${KIND_LABELS[a.kind]} by ${a.author.name ?? "a former member"}`}>
      <p>
        <span className="badge">{REASONS[item.reason]}</span> <strong>{KIND_LABELS[a.kind]}</strong> by {a.author.name ?? "a former member"}
        {a.factcheck?.verdict && <span className={`badge verdict verdict-${a.factcheck.verdict}`}>{VERDICT_LABELS[a.factcheck.verdict]}</span>}
      </p>
      {a.target?.exact && <blockquote dir="auto">“{a.target.exact}”</blockquote>}
      <PassageMark annotation={a} />
      {a.factcheck?.claim && <SafeText text={`Claim: ${a.factcheck.claim}`} />}
      {a.factcheck && a.factcheck.sources.length > 0 && (
        <div role="group" aria-label="Sources">
          <p>Sources:</p>
          <SourceList sources={a.factcheck.sources} />
        </div>
      )}
      {a.body && <SafeText text={a.body} lang={a.language} />}
      {item.flags.count > 0 && (
        <ul className="flag-reasons" aria-label="Flags">
          {item.flags.reasons.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
      <div className="toolbar">
        {item.reason === "submission" ? (
          <>
            <button
              type="button"
              className="primary"
              disabled={item.passage ? !item.passage.ready : false}
              title={item.passage && !item.passage.ready ? "Publishing waits for every independent review" : undefined}
              onClick={() => void onAct(() => moderate(a.id, "approve", item.version), `Approved: ${what}.`)}
            >
              {item.passage && item.passage.quorum > 1 ? "Publish all reviews" : "Approve"}
            </button>
            <button ref={rejectButton.ref} type="button" onClick={() => setRejecting(true)}>
              Reject
            </button>
          </>
        ) : (
          <>
            {a.status !== "published" && a.status !== "hidden" && (
              <button type="button" className="primary" onClick={() => run("publish", "Published")}>
                Publish
              </button>
            )}
            {a.status === "hidden" ? (
              <button type="button" onClick={() => run("unhide", "Shown again")}>
                Unhide
              </button>
            ) : (
              <button type="button" onClick={() => run("hide", "Hidden")}>
                Hide
              </button>
            )}
            {item.flags.count > 0 && (
              <button type="button" onClick={() => void onAct(() => dismissFlags(a.id), `Flags dismissed: ${what}.`)}>
                Dismiss flag{item.flags.count > 1 ? "s" : ""}
              </button>
            )}
          </>
        )}
      </div>
      {rejecting && (
        <form onSubmit={reject} className="row-form" onKeyDown={closeOnEscape(stopRejecting)}>
          <label>
            Reason for rejecting
            <input name="reason" required maxLength={2000} autoFocus />
          </label>
          <button type="submit" className="danger">
            Reject submission
          </button>
          <button type="button" onClick={stopRejecting}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}
