import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { type ApiToken, type CreatedToken, createToken, revokeToken } from "../api/account.ts";
import { ApiError, errorMessage } from "../api/client.ts";
import { RelativeTime } from "../lib/RelativeTime.tsx";
import type { Async } from "../lib/use-async.ts";
import { ConfirmAction } from "../app/ConfirmAction.tsx";

/**
 * API tokens: scripts and other programs act as the user with one, without the password. The list never
 * holds a secret; a new token's is shown once, here, since the server keeps only its hash.
 */
export function TokensPanel({ tokens }: { tokens: Async<ApiToken[]> }) {
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const nameErrorId = useId();

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const name = String(new FormData(formEl).get("name") ?? "").trim();
    setNameError(null);
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      const made = await createToken({ name });
      formEl.reset();
      // The list first, so the secret never shows beside a list that still says there are no tokens.
      await tokens.reload();
      setCreated(made);
    } catch (err) {
      if (err instanceof ApiError && err.field === "name") setNameError(err.message.replace(/^name: /, ""));
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (token: ApiToken) => {
    setError(null);
    setNotice(null);
    try {
      await revokeToken(token.id);
    } catch (err) {
      return setError(`“${token.name}” is not revoked: ${errorMessage(err)}`);
    }
    if (created?.id === token.id) setCreated(null);
    setNotice(`Revoked “${token.name}”: whatever uses it is refused from now on.`);
    await tokens.reload();
    // Its row, which held the focus, is gone.
    heading.current?.focus();
  };

  const list = tokens.data;
  return (
    <section aria-labelledby="tokens-heading" className="panel">
      <h2 id="tokens-heading" ref={heading} tabIndex={-1}>
        API tokens
      </h2>
      <p className="muted">A script or another program signs in as you with a token (sent as <code>Authorization: Bearer …</code>), without your password.</p>
      {tokens.error && (
        <p className="error" role="alert">
          {tokens.error}
        </p>
      )}
      {!list && !tokens.error && <p role="status">Loading tokens…</p>}
      {list?.length === 0 && <p className="empty">You have no API tokens.</p>}
      {list && list.length > 0 && (
        <ul className="token-list" aria-label="Your API tokens">
          {list.map((t) => (
            <li key={t.id}>
              <div className="token-info">
                <span className="token-name">{t.name}</span>
                <span className="muted">
                  Created <RelativeTime at={Date.parse(t.createdAt)} /> ·{" "}
                  {t.lastUsedAt ? (
                    <>
                      last used <RelativeTime at={Date.parse(t.lastUsedAt)} />
                    </>
                  ) : (
                    "never used"
                  )}
                  {t.scopes.includes("tokens") && (
                    <>
                      {" "}
                      · <span className="badge">manages tokens</span>
                    </>
                  )}
                </span>
              </div>
              <ConfirmAction
                className="danger"
                trigger={
                  <>
                    Revoke<span className="visually-hidden"> {t.name}</span>
                  </>
                }
                label={`Confirm revoking ${t.name}`}
                question={`Revoke “${t.name}”? Whatever uses it stops working.`}
                confirm="Revoke token"
                onConfirm={() => revoke(t)}
              />
            </li>
          ))}
        </ul>
      )}
      {created && (
        <NewToken
          token={created}
          onDone={() => {
            setCreated(null);
            heading.current?.focus();
          }}
        />
      )}
      <form onSubmit={(e) => void create(e)} className="row-form" aria-label="New API token">
        <label>
          Token name
          <input
            name="name"
            required
            maxLength={100}
            placeholder="For example: nightly export"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? nameErrorId : undefined}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Create token
        </button>
      </form>
      {nameError && (
        <p className="error" id={nameErrorId} role="alert">
          {nameError}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p role="status" className="status-line">
        {notice}
      </p>
    </section>
  );
}

/** A new token's secret, this once: the focus comes here, so that a screen reader hears the warning first. */
function NewToken({ token, onDone }: { token: CreatedToken; onDone(): void }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const title = useRef<HTMLHeadingElement>(null);
  const secret = useRef<HTMLElement>(null);
  const titleId = useId();

  useEffect(() => {
    setCopied(null);
    title.current?.focus();
  }, [token.id]);

  const copy = async () => {
    try {
      // Missing outside a secure context (a server reached over plain http by name).
      await navigator.clipboard.writeText(token.token);
      setCopied("yes");
    } catch {
      // Selected, it is one keystroke from the clipboard.
      const range = document.createRange();
      if (secret.current) range.selectNodeContents(secret.current);
      document.getSelection()?.removeAllRanges();
      document.getSelection()?.addRange(range);
      setCopied("no");
    }
  };

  return (
    <div className="new-token" role="group" aria-labelledby={titleId}>
      <h3 id={titleId} ref={title} tabIndex={-1}>
        Token “{token.name}” created
      </h3>
      <p>
        <strong>Copy it now: you will not see it again.</strong> Marginalia keeps only a fingerprint of it, so nobody can show it to you later.
      </p>
      <code ref={secret} className="token-secret">
        {token.token}
      </code>
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy token
        </button>
        <button type="button" onClick={onDone}>
          I have copied it
        </button>
      </div>
      <p role="status" className="status-line">
        {copied === "yes" && "Copied to the clipboard."}
        {copied === "no" && "Could not copy: the token is selected, copy it with Ctrl+C (⌘C on a Mac)."}
      </p>
    </div>
  );
}
