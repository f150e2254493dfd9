import { type FormEvent, useState } from "react";
import { useDocumentTitle } from "../app/use-document-title.ts";
import type { ModerationMode } from "@marginalia/schema";
import { errorMessage } from "../api/client.ts";
import { acceptInvitation, createGroup, declineInvitation, fetchMyInvitations } from "../api/groups.ts";
import { Link, navigate } from "../app/router.tsx";
import { useMe, useSession } from "../app/session.tsx";
import { useAsync } from "../lib/use-async.ts";

/** Home: invitations waiting for an answer, the groups you belong to, and a new one. */
export function LibraryScreen() {
  const me = useMe();
  const { refresh } = useSession();
  const [error, setError] = useState<string | null>(null);
  useDocumentTitle("Your groups");
  const invitations = useAsync(fetchMyInvitations, [me.user.id]);
  const [answerError, setAnswerError] = useState<string | null>(null);

  const answer = async (action: () => Promise<unknown>) => {
    setAnswerError(null);
    try {
      await action();
    } catch (err) {
      setAnswerError(errorMessage(err));
    }
    // An accepted invitation adds a group; an expired or revoked one drops off the list either way.
    await Promise.all([invitations.reload(), refresh()]);
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      const group = await createGroup({
        name: String(form.get("name") ?? ""),
        moderation: (form.get("moderation") as ModerationMode) ?? "open",
      });
      await refresh();
      navigate(`/groups/${group.id}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <main className="page">
      <h1>Your groups</h1>
      {(invitations.data?.length ?? 0) > 0 && (
        <section aria-labelledby="invitations-heading" className="panel">
          <h2 id="invitations-heading">Invitations</h2>
          <ul className="invitations" aria-label="Invitations">
            {invitations.data!.map((i) => (
              <li key={i.id}>
                <span>
                  <strong>{i.groupName}</strong> as {i.role}
                  <span className="muted">
                    {i.invitedBy ? ` · from ${i.invitedBy}` : ""} · until {new Date(i.expiresAt).toLocaleDateString()}
                  </span>
                </span>
                <span className="invitation-actions">
                  <button type="button" className="primary" onClick={() => void answer(() => acceptInvitation(i.id))}>
                    Accept <span className="visually-hidden">the invitation to {i.groupName}</span>
                  </button>
                  <button type="button" onClick={() => void answer(() => declineInvitation(i.id))}>
                    Decline <span className="visually-hidden">the invitation to {i.groupName}</span>
                  </button>
                </span>
              </li>
            ))}
          </ul>
          {answerError && (
            <p className="error" role="alert">
              {answerError}
            </p>
          )}
        </section>
      )}
      {me.groups.length === 0 ? (
        <p>You are not in any group yet. Create one, or ask a group's owner to invite you.</p>
      ) : (
        <ul className="cards" aria-label="Your groups">
          {me.groups.map((g) => (
            <li key={g.id} className="card">
              <Link to={`/groups/${g.id}`} className="card-title">
                {g.name}
              </Link>
              <span className="muted">
                {g.role} · {g.moderation === "pre" ? "pre-moderated" : "open"}
              </span>
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="new-group" className="panel">
        <h2 id="new-group">New group</h2>
        <form onSubmit={submit} className="row-form">
          <label>
            Group name
            <input name="name" required maxLength={120} />
          </label>
          <label>
            Moderation
            <select name="moderation" defaultValue="open">
              <option value="open">Open: members publish directly</option>
              <option value="pre">Pre-moderated: moderators review first</option>
            </select>
          </label>
          <button type="submit" className="primary">
            Create group
          </button>
        </form>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </section>
    </main>
  );
}
