import { type FormEvent, useId, useRef, useState } from "react";
import { changePassword } from "../api/account.ts";
import { ApiError, errorMessage } from "../api/client.ts";
import { useFieldError } from "../lib/field-error.ts";
import { useAction } from "../lib/use-action.ts";

type Field = "currentPassword" | "newPassword" | "confirmPassword";
const FIELDS: readonly string[] = ["currentPassword", "newPassword", "confirmPassword"];

/** A mismatch is found before anything is sent, so it is this form's own error, tied to the second field. */
class Mismatch extends ApiError {
  constructor() {
    super(400, "mismatch", "This is not the new password typed above. Type the same password in both fields.", "confirmPassword");
  }
}

/** The field an error belongs to, if it is one of this form's. */
const fieldOf = (err: unknown): Field | null =>
  err instanceof ApiError && err.field && FIELDS.includes(err.field) ? (err.field as Field) : null;

/** The server prefixes a validation message with its field ("newPassword: Use at least 8 characters"); beside the field that is noise. */
function messageOf(err: unknown): string {
  const field = fieldOf(err);
  const message = errorMessage(err);
  return field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}

/**
 * Change the password. An error sits under its field and is named by it, and the field takes the focus
 * (useFieldError); one the server does not tie to a field (too many attempts) is the form's.
 */
export function PasswordPanel({ email, onTokensRevoked }: { email: string; onTokensRevoked(): void }) {
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-new-hint`;
  const invalid = fieldOf(error);
  const message = error == null ? null : messageOf(error);
  useFieldError(form, message, invalid, errorId);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const data = new FormData(formEl);
    const value = (name: string) => String(data.get(name) ?? "");
    const revokeTokens = data.get("revokeTokens") === "on";
    setDone(null);
    if (value("newPassword") !== value("confirmPassword")) {
      setError(new Mismatch());
      return;
    }
    await run(async () => {
      await changePassword({ currentPassword: value("currentPassword"), newPassword: value("newPassword"), revokeTokens });
      formEl.reset();
      setDone(
        revokeTokens
          ? "Password changed. You are signed out on every other device, and your API tokens are revoked."
          : "Password changed. You are signed out on every other device; this one stays signed in.",
      );
      if (revokeTokens) onTokensRevoked();
    });
  };

  const errorText = (
    <p className="error" id={errorId} role="alert">
      {message}
    </p>
  );

  const field = (name: Field, label: string, autoComplete: string, extra: { minLength?: number; hint?: string } = {}) => (
    <div className="field">
      <label>
        {label}
        <input
          name={name}
          type="password"
          autoComplete={autoComplete}
          required
          minLength={extra.minLength}
          maxLength={256}
          aria-describedby={extra.hint ? hintId : undefined}
        />
      </label>
      {extra.hint && (
        <p className="hint" id={hintId}>
          {extra.hint}
        </p>
      )}
      {invalid === name && errorText}
    </div>
  );

  return (
    <section aria-labelledby="password-heading" className="panel">
      <h2 id="password-heading">Change password</h2>
      <form ref={form} onSubmit={(e) => void submit(e)} className="stack account-form" aria-labelledby="password-heading">
        {/* For password managers, which file the new password under the account they find in the form. */}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
        {field("currentPassword", "Current password", "current-password")}
        {field("newPassword", "New password", "new-password", { minLength: 8, hint: "At least 8 characters." })}
        {field("confirmPassword", "New password again", "new-password", { minLength: 8 })}
        <label className="checkbox">
          <input type="checkbox" name="revokeTokens" />
          <span>Also revoke all my API tokens (if someone else may have used my password)</span>
        </label>
        {message != null && invalid == null && errorText}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            Change password
          </button>
        </div>
      </form>
      <p role="status" className="status-line">
        {done}
      </p>
    </section>
  );
}
