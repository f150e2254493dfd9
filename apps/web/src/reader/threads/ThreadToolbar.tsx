import { type FormEvent, useState } from "react";
import { type ModerationMode, type Role, isLocked } from "@marginalia/schema";
import { errorMessage } from "../../api/client.ts";
import type { Item, VoteTally } from "../../sync/annotation-store.ts";
import type { ReaderActions } from "../sync/actions.ts";
import { useFocusReturn } from "../../lib/focus.ts";
import { closeOnEscape } from "./keyboard.ts";
import { canDelete, canEdit, canResolve, canVote, moderatorActions } from "../permissions/permissions.ts";
import { focusAfterDelete } from "./focus-after-delete.ts";

type Props = {
  item: Item;
  tally: VoteTally | undefined;
  me: string;
  role: Role;
  /** The live connection ended for good: the reader may have lost access, and the server would refuse a flag. */
  ended?: boolean;
  moderation: ModerationMode;
  actions: ReaderActions;
  onEdit(): void;
  compact?: boolean;
  /** Replies under the annotation: they stay when it is deleted, and the confirmation says so. */
  replyCount?: number;
};

const MODERATION_LABELS = { publish: "Publish", hide: "Hide", unhide: "Unhide" } as const;

/** The actions on one annotation; each appears only when the reader's role allows it. */
export function ThreadToolbar({ item, tally, me, role, ended = false, moderation, actions, onEdit, compact = false, replyCount = 0 }: Props) {
  const reader = { me, role, moderation };
  const [confirming, setConfirming] = useState(false);
  const [flagging, setFlagging] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const deleteButton = useFocusReturn<HTMLButtonElement>();
  const flagButton = useFocusReturn<HTMLButtonElement>();
  const keep = () => {
    setConfirming(false);
    deleteButton.closed();
  };
  const stopFlagging = () => {
    setFlagging(false);
    flagButton.closed();
  };

  const run = async (action: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await action();
      if (done) setMessage(done);
    } catch (err) {
      setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const flag = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
    if (!reason) return;
    // The form and its reason stay until the flag is stored: one refused, or sent while offline, is sent again from it.
    void run(async () => {
      await actions.flag(item, reason);
      stopFlagging();
    }, "Flagged for the moderators.");
  };

  const vote = (value: "agree" | "disagree") => actions.vote(item, tally?.mine === value ? null : value);
  // Her own published fact-check is locked to her (policy: LOCKED_FACTCHECK): a flag is how she asks the moderators to change or hide it.
  const lockedToMe = item.authorId === me && isLocked(item, role);
  const canFlag = !compact && !ended && item.source === "group" && (item.authorId !== me || lockedToMe);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: not a control; it keeps its buttons' clicks from reaching the card.
    <div className="toolbar" onClick={(e) => e.stopPropagation()}>
      {!compact && canVote(item, reader) && (
        <>
          <button type="button" className="vote" aria-pressed={tally?.mine === "agree"} onClick={() => vote("agree")}>
            Agree <span className="count">{tally?.agree ?? 0}</span>
          </button>
          <button type="button" className="vote" aria-pressed={tally?.mine === "disagree"} onClick={() => vote("disagree")}>
            Disagree <span className="count">{tally?.disagree ?? 0}</span>
          </button>
        </>
      )}
      {!compact && !canVote(item, reader) && tally && (tally.agree > 0 || tally.disagree > 0) && (
        <span className="muted">
          {tally.agree} agree · {tally.disagree} disagree
        </span>
      )}
      {!compact && canResolve(item, reader) && (
        <button type="button" onClick={() => actions.setResolved(item, !item.resolved)}>
          {item.resolved ? "Reopen" : "Resolve"}
        </button>
      )}
      {canEdit(item, reader) && (
        <button type="button" onClick={onEdit}>
          Edit
        </button>
      )}
      {canDelete(item, reader) &&
        (confirming ? (
          <span className="confirm" role="group" aria-label="Confirm deletion" onKeyDown={closeOnEscape(keep)}>
            {replyCount > 0 && (
              <span className="confirm-note" id={`stays-${item.id}`}>
                {replyCount === 1 ? "Its reply will stay" : `Its ${replyCount} replies will stay`}, under a deleted comment.
              </span>
            )}
            <button type="button" className="danger" onClick={(event) => {
                const refocus = focusAfterDelete(event.currentTarget);
                actions.remove(item);
                refocus();
              }} aria-describedby={replyCount > 0 ? `stays-${item.id}` : undefined} autoFocus>
              Delete for good
            </button>
            <button type="button" onClick={keep}>
              Keep
            </button>
          </span>
        ) : (
          <button ref={deleteButton.ref} type="button" onClick={() => setConfirming(true)}>
            Delete
          </button>
        ))}
      {moderatorActions(item, reader).map((action) => (
        <button key={action} type="button" className="moderate" disabled={busy} onClick={() => void run(() => actions.moderate(item, action))}>
          {MODERATION_LABELS[action]}
        </button>
      ))}
      {lockedToMe && !compact && (
        <p className="hint locked-note">
          Published and locked: only a moderator can change or hide it. Flag it to say what should change; once it is hidden, you can submit a new version.
        </p>
      )}
      {canFlag &&
        (flagging ? (
          <form className="flag-form" onSubmit={flag} onKeyDown={closeOnEscape(stopFlagging)}>
            <input name="reason" aria-label="Reason for flagging" placeholder="Why should a moderator look?" maxLength={2000} autoFocus required />
            <button type="submit" disabled={busy}>
              Send flag
            </button>
            <button type="button" onClick={stopFlagging}>
              Cancel
            </button>
          </form>
        ) : (
          <button ref={flagButton.ref} type="button" className="link-button" onClick={() => setFlagging(true)}>
            Flag
          </button>
        ))}
      {message && (
        <span className="toolbar-message" role="status">
          {message}
        </span>
      )}
    </div>
  );
}
