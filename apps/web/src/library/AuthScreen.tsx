import { type FormEvent, useState } from "react";
import { useDocumentTitle } from "../app/use-document-title.ts";
import { errorMessage } from "../api/client.ts";
import { Link, navigate } from "../app/router.tsx";
import { useSession } from "../app/session.tsx";
import { useAction } from "../lib/use-action.ts";

/** Sign in and sign up share one form; signing up only adds a name. */
export function AuthScreen({ mode }: { mode: "login" | "signup" }) {
  const session = useSession();
  const { busy, error, run } = useAction();
  const [mailedTo, setMailedTo] = useState<string | null>(null);
  useDocumentTitle(mode === "login" ? "Sign in" : mailedTo ? "Check your email" : "Create your account");
  const next = safeNext(new URLSearchParams(location.search).get("next"));

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    await run(async () => {
      if (mode === "signup") {
        await session.signup({ email, password, name: String(form.get("name") ?? "") });
        setMailedTo(email);
        return;
      }
      await session.login({ email, password });
      navigate(next, { replace: true });
    });
  };

  if (mode === "signup" && mailedTo) return <CheckYourMail email={mailedTo} />;
  const other = mode === "login" ? "/signup" : "/login";
  // The server's answer is about the address and password together (a wrong pair, a taken address): both fields carry it.
  const invalid = error != null ? { "aria-invalid": true, "aria-describedby": "auth-error" } : {};
  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <main className="auth">
      <p className="brand brand-large">Marginalia</p>
      <h1>{mode === "login" ? "Sign in" : "Create your account"}</h1>
      <form onSubmit={submit} className="stack">
        {mode === "signup" && (
          <label>
            Name
            <input name="name" autoComplete="name" required maxLength={120} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required {...invalid} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
            minLength={mode === "signup" ? 8 : 1}
            {...invalid}
          />
        </label>
        {error != null && (
          <p id="auth-error" className="error" role="alert">
            {errorMessage(error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === "login" ? "Sign in" : "Sign up"}
        </button>
      </form>
      {mode === "login" && (
        <p>
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
      )}
      <p>
        {mode === "login" ? "New here? " : "Already have an account? "}
        <Link to={other + query}>{mode === "login" ? "Create an account" : "Sign in"}</Link>
      </p>
    </main>
  );
}

/** The same page whether or not the address had an account: only its mailbox tells. */
function CheckYourMail({ email }: { email: string }) {
  return (
    <main className="auth">
      <p className="brand brand-large">Marginalia</p>
      <h1>Check your email</h1>
      <p role="status">
        We sent a message to <strong>{email}</strong>. Open the link in it within a day to finish creating your account.
      </p>
      <p>
        Already confirmed? <Link to="/login">Sign in</Link>
      </p>
    </main>
  );
}

/** Only same-site paths: `?next=https://evil.example` must not become a redirect. */
function safeNext(value: string | null): string {
  return value?.startsWith("/") && !value.startsWith("//") ? value : "/";
}
