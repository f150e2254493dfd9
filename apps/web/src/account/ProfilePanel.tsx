import { type FormEvent, useRef, useState } from "react";
import { renameMe } from "../api/account.ts";
import { errorMessage } from "../api/client.ts";
import type { User } from "../api/auth.ts";
import { useSession } from "../app/session.tsx";
import { useFieldError } from "../lib/field-error.ts";
import { useAction } from "../lib/use-action.ts";

/**
 * The name others see (where a group shows names) and the address the account signs in with. The address
 * cannot change: it is what sign-in, invitations and password resets are sent to.
 */
export function ProfilePanel({ user }: { user: User }) {
  const { refresh } = useSession();
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFieldError(formRef, error == null ? null : errorMessage(error), error == null ? null : "name", "profile-error");

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "");
    setSaved(false);
    await run(async () => {
      await renameMe(name);
      await refresh();
      setSaved(true);
    });
  };

  return (
    <section aria-labelledby="profile-heading" className="panel">
      <h2 id="profile-heading">Profile</h2>
      <form ref={formRef} onSubmit={submit} className="stack">
        <label>
          Name
          <input
            name="name"
            defaultValue={user.name}
            autoComplete="name"
            required
            maxLength={100}
          />
        </label>
        <p className="hint">
          Signed in as <strong>{user.email}</strong>. Pages open elsewhere show a new name once they reconnect.
        </p>
        {error != null && (
          <p id="profile-error" className="error" role="alert">
            {errorMessage(error)}
          </p>
        )}
        <p role="status">{saved ? "Name saved." : ""}</p>
        <div>
          <button type="submit" disabled={busy}>
            Save name
          </button>
        </div>
      </form>
    </section>
  );
}
