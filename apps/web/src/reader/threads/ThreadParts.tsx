import type { RefObject } from "react";
import { AnnotationHeader } from "./AnnotationHeader.tsx";
import { EditAnnotationForm } from "./EditAnnotationForm.tsx";
import { canDelete, canEdit, canResolve } from "../permissions/permissions.ts";
import { SafeText } from "./SafeText.tsx";
import { SourceList } from "../factcheck/SourceList.tsx";
import { ThreadToolbar } from "./ThreadToolbar.tsx";
import type { ThreadCardProps } from "./ThreadCard.tsx";
import { editLock } from "./locked-words.ts";
import type { Thread } from "./threads.ts";
import type { Item } from "../../sync/annotation-store.ts";
import { focusAfterClose } from "../../lib/focus.ts";

type Editing = { editing: string | null; setEditing(id: string | null): void };

/** The passage a thread is on, as a button that shows it in the text. */
export function QuoteButton({ thread, onShow }: { thread: Thread; onShow(id: string): void }) {
  const quote = thread.root.target?.exact ?? "";
  if (!quote) return null;
  return (
    <button type="button" className="quote" onClick={(event) => {
        // The card's own click would take focus to the card, away from the passage just selected.
        event.stopPropagation();
        onShow(thread.root.id);
      }} disabled={!thread.span} title={thread.span ? "Show in the text" : "This passage is no longer in the text"}>
      <span className="visually-hidden">Show in text: </span>
      <span className="quote-text" dir="auto">“{quote.length > 240 ? `${quote.slice(0, 240)}…` : quote}”</span>
    </button>
  );
}

/** A thread's replies, oldest first, each with what the reader may do with it. */
export function ReplyList({ replies, editing, setEditing, focusedReply, me, role, ended, moderation, reviewQuorum, members, actions }: ThreadCardProps & Editing & { replies: Item[] }) {
  const reader = { me, role, moderation, reviewQuorum };
  // The reply's toolbar is hidden while it is edited: focus goes back to its Edit button when it returns.
  const stopEditing = (id: string) => {
    setEditing(null);
    focusAfterClose(`.reply[data-annotation-id="${CSS.escape(id)}"]`, "Edit");
  };
  if (replies.length === 0) return null;
  return (
    <ol className="replies" aria-label="Replies">
      {replies.map((reply) => (
        <li key={reply.id} className={reply.id === focusedReply ? "reply focused" : "reply"} data-annotation-id={reply.id} tabIndex={-1}>
          <AnnotationHeader item={reply} members={members} reply />
          {editing === reply.id ? (
            <EditAnnotationForm
              item={reply}
              onSave={(patch) => {
                const problem = actions.edit(reply, patch);
                if (!problem) stopEditing(reply.id);
                return problem;
              }}
              onCancel={() => stopEditing(reply.id)}
              locked={editLock(reply, reader, ended)}
            />
          ) : (
            <>
              {reply.body && <SafeText text={reply.body} lang={reply.language} />}
              {reply.factcheck && reply.factcheck.sources.length > 0 && <SourceList sources={reply.factcheck.sources} />}
            </>
          )}
          {(canEdit(reply, reader) || canDelete(reply, reader) || canResolve(reply, reader)) && editing !== reply.id && (
            <ThreadToolbar item={reply} tally={undefined} me={me} role={role} moderation={moderation} actions={actions} onEdit={() => setEditing(reply.id)} compact />
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * A thread whose first comment was deleted: its replies stay, as replies, under
 * a placeholder where the comment stood. Nobody can reply to what is gone.
 */
export function DeletedThreadCard(props: ThreadCardProps & Editing & { cardRef: RefObject<HTMLElement | null> }) {
  const { thread, focused, cardRef, onFocus } = props;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click anywhere on the card focuses it, as a convenience; each action on it is a button of its own.
    <article
      ref={cardRef}
      tabIndex={-1}
      className={`thread kind-comment is-deleted${focused ? " focused" : ""}`}
      aria-label="Deleted comment"
      data-annotation-id={thread.root.id}
      onClick={() => onFocus(thread.root.id)}
    >
      <header className="annotation-header">
        <span className="author deleted-note">Comment deleted</span>
      </header>
      <QuoteButton thread={thread} onShow={props.onShow} />
      <ReplyList {...props} replies={thread.replies} />
    </article>
  );
}
