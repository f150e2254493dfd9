import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { changePassword } from "../api/account.ts";
import { ApiError, errorMessage } from "../api/client.ts";

type Field = "currentPassword" | "newPassword" | "confirmPassword";
const FIELDS: readonly Field[] = ["currentPassword", "newPassword", "confirmPassword"];
const isField = (name: string | undefined): name is Field => FIELDS.includes(name as Field);

/** The server prefixes a validation message with its field ("newPassword: Use at least 8 characters"); beside the field that is noise. */
const withoutField = (err: ApiError) => (err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message);

/**
 * Change the password. Each error sits under its field and is named by it (aria-describedby), and the
 * field takes the focus; one the server does not tie to a field (too many attempts) is the form's.
 */
export function PasswordPanel({ email, onTokensRevoked }: { email: string; onTokensRevoked(): void }) {
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const id = useId();
  const errorId = (field: Field) => `${id}-${field}-error`;
  const hintId = `${id}-new-hint`;

  useEffect(() => {
    // After the render that wrote the message, so that the field is announced with it.
    const first = FIELDS.find((field) => errors[field]);
    if (first) form.current?.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
  }, [errors]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const data = new FormData(formEl);
    const value = (name: string) => String(data.get(name) ?? "");
    const revokeTokens = data.get("revokeTokens") === "on";
    setErrors({});
    setFormError(null);
    setDone(null);
    if (value("newPassword") !== value("confirmPassword")) {
      setErrors({ confirmPassword: "This is not the new password typed above. Type the same password in both fields." });
      return;
    }
    setBusy(true);
    try {
      await changePassword({ currentPassword: value("currentPassword"), newPassword: value("newPassword"), revokeTokens });
      formEl.reset();
      setDone(
        revokeTokens
          ? "Password changed. You are signed out on every other device, and your API tokens are revoked."
          : "Password changed. You are signed out on every other device; this one stays signed in.",
      );
      if (revokeTokens) onTokensRevoked();
    } catch (err) {
      if (err instanceof ApiError && isField(err.field)) setErrors({ [err.field]: withoutField(err) });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (name: Field, label: string, autoComplete: string, extra: { minLength?: number; hint?: string } = {}) => {
    const described = [extra.hint ? hintId : null, errors[name] ? errorId(name) : null].filter(Boolean).join(" ");
    return (
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
            aria-invalid={errors[name] ? true : undefined}
            aria-describedby={described || undefined}
          />
        </label>
        {extra.hint && (
          <p className="hint" id={hintId}>
            {extra.hint}
          </p>
        )}
        {errors[name] && (
          <p className="error" id={errorId(name)} role="alert">
            {errors[name]}
          </p>
        )}
      </div>
    );
  };

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
        {formError && (
          <p className="error" role="alert">
            {formError}
          </p>
        )}
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
