import { type FormEvent, useState } from "react";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { errorMessage } from "../api/client.ts";
import { Link, navigate } from "../app/router.tsx";
import { useSession } from "../app/session.tsx";
import { useAction } from "../lib/use-action.ts";

/**
 * The page a confirmation mail links to (`/confirm#token=…`). The token rides in the fragment, which
 * the browser never sends to a server; the password typed here must be the one chosen at sign-up.
 */
export function ConfirmSignupScreen() {
  useDocumentTitle("Finish creating your account");
  const session = useSession();
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get("token"));
  const { busy, error, run } = useAction();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token) return;
    const password = String(new FormData(event.currentTarget).get("password") ?? "");
    await run(async () => {
      await session.confirmSignup({ token, password });
      navigate("/", { replace: true });
    });
  };

  return (
    <main className="auth">
      <p className="brand brand-large">Marginalia</p>
      <h1>Finish creating your account</h1>
      {token ? (
        <form onSubmit={submit} className="stack">
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" required {...(error != null && { "aria-invalid": true, "aria-describedby": "confirm-error" })} />
          </label>
          {error != null && (
            <p id="confirm-error" className="error" role="alert">
              {errorMessage(error)}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            Create account
          </button>
        </form>
      ) : (
        <p role="alert">This link is incomplete: open the whole link from the mail, or sign up again.</p>
      )}
      <p>
        <Link to="/signup">Sign up again</Link> · <Link to="/login">Sign in</Link>
      </p>
    </main>
  );
}
