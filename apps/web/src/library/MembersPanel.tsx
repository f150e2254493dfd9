import { type FormEvent, useState } from "react";
import { ROLES, type Role } from "@marginalia/schema";
import { errorMessage } from "../api/client.ts";
import { addMember, changeRole, fetchMembers, removeMember } from "../api/groups.ts";
import { useMe } from "../app/session.tsx";
import { useAsync } from "../lib/use-async.ts";

/** Everyone sees who is in the group; only an owner changes it. */
export function MembersPanel({ groupId, myRole }: { groupId: string; myRole: Role }) {
  const me = useMe();
  const members = useAsync(() => fetchMembers(groupId), [groupId]);
  const [error, setError] = useState<string | null>(null);
  const owner = myRole === "owner";

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      await members.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    void run(async () => {
      await addMember(groupId, { email: String(form.get("email") ?? ""), role: form.get("role") as Role });
      formEl.reset();
    });
  };

  return (
    <section aria-labelledby="members-heading" className="panel">
      <h2 id="members-heading">Members</h2>
      <table className="members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            {owner && <th scope="col"><span className="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {members.data?.map((m) => (
            <tr key={m.userId}>
              <td>{m.name}</td>
              <td>{m.email ?? <span className="muted">hidden</span>}</td>
              <td>
                {owner ? (
                  <select
                    aria-label={`Role of ${m.name}`}
                    value={m.role}
                    onChange={(e) => void run(() => changeRole(groupId, m.userId, e.target.value as Role))}
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
                <td>
                  {m.userId !== me.user.id && (
                    <button type="button" className="link-button danger" onClick={() => void run(() => removeMember(groupId, m.userId))}>
                      Remove <span className="visually-hidden">{m.name}</span>
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {owner && (
        <form onSubmit={add} className="row-form" aria-label="Add a member">
          <label>
            Member email
            <input name="email" type="email" required />
          </label>
          <label>
            Member role
            <select name="role" defaultValue="annotator">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary">
            Add member
          </button>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
