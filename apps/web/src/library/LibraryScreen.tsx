import { type FormEvent, useState } from "react";
import type { ModerationMode } from "@marginalia/schema";
import { errorMessage } from "../api/client.ts";
import { createGroup } from "../api/groups.ts";
import { Link, navigate } from "../app/router.tsx";
import { useMe, useSession } from "../app/session.tsx";

/** Home: the groups you belong to, and a new one. */
export function LibraryScreen() {
  const me = useMe();
  const { refresh } = useSession();
  const [error, setError] = useState<string | null>(null);

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
      {me.groups.length === 0 ? (
        <p>You are not in any group yet. Create one, or ask a group's owner to add you.</p>
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
