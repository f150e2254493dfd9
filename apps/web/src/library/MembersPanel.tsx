import { type FormEvent, useState } from "react";
import { ROLES, type Role } from "@marginalia/schema";
import { errorMessage } from "../api/client.ts";
import { ConfirmAction } from "../app/ConfirmAction.tsx";
import { changeRole, fetchInvitations, fetchMembers, inviteMember, removeMember, revokeInvitation } from "../api/groups.ts";
import { useAsync } from "../lib/use-async.ts";

/**
 * A name wraps only between its words: each word is kept whole (a hyphen inside one is no break either), and
 * one longer than the column ends in an ellipsis, the whole name in its tooltip and still read out.
 */
function MemberName({ name }: { name: string }) {
  return (
    <span className="member-name" title={name}>
      {name.split(/(\s+)/).map((part, i) => (i % 2 === 0 ? part && <span key={i}>{part}</span> : part))}
    </span>
  );
}

/**
 * Everyone sees who is in the group; only an owner changes it. Nobody is
 * added without consent: the owner invites an email address and its owner
 * joins by accepting (on their own groups screen).
 */
export function MembersPanel({ groupId, myRole }: { groupId: string; myRole: Role }) {
  const owner = myRole === "owner";
  const members = useAsync(() => fetchMembers(groupId), [groupId]);
  const invitations = useAsync(() => (owner ? fetchInvitations(groupId) : Promise.resolve([])), [groupId, owner]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    setNotice(null);
    try {
      await action();
      await Promise.all([members.reload(), invitations.reload()]);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const invite = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    void run(async () => {
      const { invitation } = await inviteMember(groupId, { email: String(form.get("email") ?? ""), role: form.get("role") as Role });
      formEl.reset();
      // The server answers alike whether or not the address has an account, so this says no more than that.
      setNotice(`Invitation for ${invitation.email} saved. They join when they accept it.`);
    });
  };

  return (
    <section aria-labelledby="members-heading" className="panel">
      <h2 id="members-heading">Members</h2>
      <table className="members" aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" className="email">Email</th>
            <th scope="col" className="fits">Role</th>
            {owner && <th scope="col" className="fits"><span className="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {members.data?.map((m) => (
            <tr key={m.id}>
              <td className="name">
                <MemberName name={m.name} />
                {/* On a narrow screen the email column gives its width to the name and shows here instead. */}
                <span className="member-email">{m.email ?? "hidden"}</span>
              </td>
              <td className="email">{m.email ?? <span className="muted">hidden</span>}</td>
              <td className="fits">
                {owner ? (
                  <select
                    aria-label={`Role of ${m.name}`}
                    value={m.role}
                    onChange={(e) => void run(() => changeRole(groupId, m.id, e.target.value as Role))}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              {owner && (
                <td className="fits">
                  {!m.self && (
                    <ConfirmAction
                      className="link-button danger"
                      trigger={
                        <>
                          Remove <span className="visually-hidden">{m.name}</span>
                        </>
                      }
                      label={`Confirm removing ${m.name}`}
                      question={`Remove ${m.name} from the group? They lose access to its articles at once.`}
                      confirm="Remove member"
                      onConfirm={() => run(() => removeMember(groupId, m.id))}
                    />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {owner && invitations.data && invitations.data.length > 0 && (
        <table className="members">
          <caption>Pending invitations</caption>
          <thead>
            <tr>
              <th scope="col">Invited email</th>
              <th scope="col" className="fits">Role</th>
              <th scope="col" className="fits">Expires</th>
              <th scope="col" className="fits"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {invitations.data.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td>
                <td className="fits">{i.role}</td>
                <td className="fits">{i.status === "expired" ? <span className="muted">expired</span> : new Date(i.expiresAt).toLocaleDateString()}</td>
                <td className="fits">
                  <button type="button" className="link-button danger" onClick={() => void run(() => revokeInvitation(groupId, i.id))}>
                    Revoke <span className="visually-hidden">the invitation for {i.email}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {owner && (
        <form onSubmit={invite} className="row-form" aria-label="Invite by email">
          <label>
            Email to invite
            <input name="email" type="email" required />
          </label>
          <label>
            Invited role
            <select name="role" defaultValue="annotator">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary">
            Invite
          </button>
        </form>
      )}
      {notice && <p role="status">{notice}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
