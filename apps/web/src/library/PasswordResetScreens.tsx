import { type FormEvent, useEffect, useRef, useState } from "react";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { ApiError, errorMessage } from "../api/client.ts";
import * as auth from "../api/auth.ts";
import { Link, navigate } from "../app/router.tsx";
import { useSession } from "../app/session.tsx";
import { useFieldError } from "../lib/field-error.ts";
import { useAction } from "../lib/use-action.ts";

/** Asks for a reset link. The same page follows whether or not the address has an account: only its mailbox tells. */
export function ForgotPasswordScreen() {
  useDocumentTitle("Reset your password");
  const { busy, error, run } = useAction();
  const [mailedTo, setMailedTo] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email") ?? "");
    await run(async () => {
      await auth.requestPasswordReset(email);
      setMailedTo(email);
    });
  };

  return (
    <main className="auth">
      <p className="brand brand-large">Marginalia</p>
      <h1>Reset your password</h1>
      {mailedTo ? (
        <p role="status">
          We sent a message to <strong>{mailedTo}</strong>. If an account uses that address, the message holds a link to
          choose a new password; it works for an hour.
        </p>
      ) : (
        <form onSubmit={submit} className="stack" aria-describedby={error != null ? "forgot-error" : undefined}>
          <p>Type the address you sign in with, and we will mail you a link to choose a new password.</p>
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required />
          </label>
          {error != null && (
            <p id="forgot-error" className="error" role="alert">
              {errorMessage(error)}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            Send the link
          </button>
        </form>
      )}
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </main>
  );
}

/**
 * The page a reset mail links to (`/reset-password#token=…`). The token rides in the fragment, which the
 * browser never sends to a server, and is taken out of the address bar once read, so that the link does not
 * stay in the history for the hour it works.
 */
export function ResetPasswordScreen() {
  useDocumentTitle("Choose a new password");
  const session = useSession();
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get("token"));
  const { busy, error, setError, run } = useAction();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token) return;
    const form = new FormData(event.currentTarget);
    const newPassword = String(form.get("newPassword") ?? "");
    if (newPassword !== String(form.get("confirm") ?? "")) {
      setError(new ApiError(400, "validation_failed", "The two passwords differ.", "confirm"));
      return;
    }
    await run(async () => {
      await session.resetPassword({ token, newPassword, ...(form.get("revokeTokens") ? { revokeTokens: true } : {}) });
      navigate("/", { replace: true });
    });
  };

  const expired = error instanceof ApiError && error.status === 410;
  useFieldError(formRef, error == null ? null : errorMessage(error), error instanceof ApiError ? (error.field ?? null) : null, "reset-error");
  return (
    <main className="auth">
      <p className="brand brand-large">Marginalia</p>
      <h1>Choose a new password</h1>
      {token ? (
        <form ref={formRef} onSubmit={submit} className="stack">
          <label>
            New password
            <input name="newPassword" type="password" autoComplete="new-password" required minLength={8} maxLength={256} />
          </label>
          <label>
            New password again
            <input name="confirm" type="password" autoComplete="new-password" required minLength={8} maxLength={256} />
          </label>
          <label className="checkbox">
            <input name="revokeTokens" type="checkbox" />
            Also revoke my API tokens (scripts using them stop working)
          </label>
          <p className="hint">Every device signed in to your account is signed out.</p>
          {error != null && (
            <p id="reset-error" className="error" role="alert">
              {errorMessage(error)} {expired && <Link to="/forgot-password">Ask for a new link</Link>}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            Set the new password
          </button>
        </form>
      ) : (
        <p role="alert">
          This link is incomplete: open the whole link from the mail, or <Link to="/forgot-password">ask for a new one</Link>.
        </p>
      )}
      <p>
        <Link to="/login">Sign in</Link>
      </p>
    </main>
  );
}
