import { memo, useEffect, useRef, useState } from "react";
import { type ModerationMode, type Role, stalenessOf } from "@marginalia/schema";
import type { Member } from "../../api/groups.ts";
import type { VoteTally } from "../../sync/annotation-store.ts";
import type { ReaderActions } from "../sync/actions.ts";
import { AnnotationHeader, authorName } from "./AnnotationHeader.tsx";
import { AnswerForm } from "./AnswerForm.tsx";
import { AssignControl } from "./AssignControl.tsx";
import { AssignmentBadge } from "./AssignmentBadge.tsx";
import { EditAnnotationForm, editDraftName } from "./EditAnnotationForm.tsx";
import { readDraft, useDraftScope } from "../../app/drafts.ts";
import { KIND_LABELS } from "../highlights/highlight-style.ts";
import { scrollBehavior } from "../../lib/motion.ts";
import { focusAfterClose } from "../../lib/focus.ts";
import { canAssign, canReply, replyPlacement } from "../permissions/permissions.ts";
import { ReplyForm } from "./ReplyForm.tsx";
import { DeletedThreadCard, QuoteButton, ReplyList } from "./ThreadParts.tsx";
import { SafeText } from "./SafeText.tsx";
import { SourceList } from "../factcheck/SourceList.tsx";
import { StaleVerdict } from "../factcheck/StaleVerdict.tsx";
import { ThreadToolbar } from "./ThreadToolbar.tsx";
import type { Thread } from "./threads.ts";
import type { SessionEnd } from "../../sync/doc-session.ts";
import { editLock, lockedWords, replyLock } from "./locked-words.ts";

export type ThreadCardProps = {
  thread: Thread;
  tally: VoteTally | undefined;
  focused: boolean;
  /** A reply of this thread to bring into view rather than the thread's first comment. */
  focusedReply: string | null;
  /** Marked as the focused thread, but focus stays where it is (stepping through the article's passages). */
  quiet?: boolean;
  me: string;
  role: Role;
  /** The live connection ended for good, and why (access lost, the article deleted…): nothing more is sent from this page. */
  ended: SessionEnd | null;
  moderation: ModerationMode;
  /** The group's review quorum: in a review board a verdict reply is a submission (policy: `replyPlacement`). */
  reviewQuorum: number;
  members: Map<string, Member>;
  actions: ReaderActions;
  onFocus(id: string): void;
  onShow(id: string): void;
};

/** One thread: the annotation, its fact-check, its replies, and what the reader may do with them. */
export const ThreadCard = memo(function ThreadCard(props: ThreadCardProps) {
  const { thread, focused, focusedReply, me, role, ended, moderation, reviewQuorum, members, actions } = props;
  const reader = { me, role, moderation, reviewQuorum };
  const { root, replies } = thread;
  // An edit form left open (app/drafts.ts) opens again when the card comes back, after a hide or a reload.
  const scope = useDraftScope();
  const [editing, setEditing] = useState<string | null>(() => [root, ...replies].find((item) => readDraft(scope, editDraftName(item.id)))?.id ?? null);
  const ref = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!focused || !ref.current) return;
    const target = (focusedReply && ref.current.querySelector<HTMLElement>(`.reply[data-annotation-id="${CSS.escape(focusedReply)}"]`)) || ref.current;
    target.scrollIntoView({ block: "nearest", behavior: scrollBehavior() });
    // Keyboard and screen reader users land on the thread they clicked in the text, or the reply they were sent to.
    if (!props.quiet && !target.contains(document.activeElement)) target.focus({ preventScroll: true });
  }, [focused, focusedReply, props.quiet]);

  const stopEditing = () => {
    setEditing(null);
    focusAfterClose(`article.thread[data-annotation-id="${CSS.escape(root.id)}"]`, "Edit");
  };

  if (thread.deleted) return <DeletedThreadCard {...props} cardRef={ref} editing={editing} setEditing={setEditing} />;
  const name = authorName(members, root.authorId);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click anywhere on the card focuses it, as a convenience; each action on it is a button of its own.
    <article
      ref={ref}
      tabIndex={-1}
      className={`thread kind-${root.kind}${root.factcheck ? ` verdict-${root.factcheck.verdict}` : ""}${focused ? " focused" : ""}${root.resolved ? " is-resolved" : ""}${stalenessOf(root, root.target?.revision ?? 0).state === "stale" ? " is-stale" : ""}`}
      aria-label={`${KIND_LABELS[root.kind]} by ${name}`}
      data-annotation-id={root.id}
      onClick={() => props.onFocus(root.id)}
    >
      <AnnotationHeader item={root} members={members} />
      <QuoteButton thread={thread} onShow={props.onShow} />
      {editing === root.id ? (
        <EditAnnotationForm
          item={root}
          onSave={(patch) => {
            const problem = actions.edit(root, patch);
            if (!problem) stopEditing();
            return problem;
          }}
          onCancel={stopEditing}
          locked={editLock(root, reader, ended)}
        />
      ) : (
        <>
          <StaleVerdict item={root} reader={reader} />
          {root.factcheck && (
            <dl className="factcheck">
              <dt>Claim</dt>
              <dd>
                <SafeText text={root.factcheck.claim} />
              </dd>
              {root.factcheck.confidence !== undefined && (
                <>
                  <dt>Confidence</dt>
                  <dd>{Math.round(root.factcheck.confidence * 100)}%</dd>
                </>
              )}
              {root.factcheck.sources.length > 0 && (
                <>
                  <dt>Sources</dt>
                  <dd>
                    <SourceList sources={root.factcheck.sources} />
                  </dd>
                </>
              )}
            </dl>
          )}
          {root.body && <SafeText text={root.body} className="safe-text body" lang={root.language} />}
          {root.status === "rejected" && root.rejectionReason && <p className="rejection">Rejected: {root.rejectionReason}</p>}
        </>
      )}
      <AssignmentBadge root={root} replies={replies} members={members} me={me} />
      <ThreadToolbar item={root} tally={props.tally} me={me} role={role} ended={!!ended} moderation={moderation} actions={actions} onEdit={() => setEditing(root.id)} replyCount={replies.length} />
      {canAssign(root, reader) && <AssignControl item={root} members={members} onAssign={(ids, dueAt) => actions.assign(root, ids, dueAt)} />}
      <ReplyList replies={replies} editing={editing} setEditing={setEditing} {...props} />
      {canReply(root, reader) ? (
        <>
          {root.assignees.includes(me) && (
            <AnswerForm root={root} onAnswer={(body, factcheck) => actions.reply(root, body, factcheck)} note={replyPlacement(root.source, role, moderation, reviewQuorum, true).note} />
          )}
          <ReplyForm draft={`reply:${root.id}`} onReply={(body) => actions.reply(root, body)} note={replyPlacement(root.source, role, moderation, reviewQuorum).note} />
        </>
      ) : (
        // A reply or an answer being written when the page stopped offering them (access lost, the thread
        // hidden, a role changed) stays, to copy.
        <>
          <AnswerForm root={root} onAnswer={() => null} note={null} locked={lockedWords("answer", replyLock(ended, root))} />
          {readDraft<string>(scope, `reply:${root.id}`)?.trim() && (
            <ReplyForm draft={`reply:${root.id}`} onReply={() => null} note={null} locked={lockedWords("reply", replyLock(ended, root))} />
          )}
        </>
      )}
    </article>
  );
}, sameCard);


/** Threads are rebuilt on every change; a card re-renders only when its own content did. */
function sameCard(a: ThreadCardProps, b: ThreadCardProps): boolean {
  return (
    a.thread.root === b.thread.root &&
    a.thread.replies.length === b.thread.replies.length &&
    a.thread.replies.every((r, i) => r === b.thread.replies[i]) &&
    a.thread.span?.start === b.thread.span?.start &&
    a.thread.span?.end === b.thread.span?.end &&
    a.tally?.agree === b.tally?.agree &&
    a.tally?.disagree === b.tally?.disagree &&
    a.tally?.mine === b.tally?.mine &&
    a.focused === b.focused &&
    a.focusedReply === b.focusedReply &&
    a.quiet === b.quiet &&
    a.role === b.role &&
    a.ended === b.ended &&
    a.moderation === b.moderation &&
    a.reviewQuorum === b.reviewQuorum &&
    a.members === b.members &&
    a.actions === b.actions &&
    a.onFocus === b.onFocus &&
    a.onShow === b.onShow
  );
}
