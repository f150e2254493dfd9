import { useEffect, useRef, useState } from "react";
import type { SessionState } from "../../sync/doc-session.ts";
import { announce } from "../../app/announcer.tsx";
import { CopyTextButton } from "../CopyTextButton.tsx";
import { connectionBanner, savedLabel, syncSummary } from "./saved-label.ts";
import type { SyncNotice } from "./use-sync-notice.ts";
import type { CorrectionLoad } from "./use-correction-load.ts";

/** How long a state must hold before it is spoken: typing flips Saving and Saved on every key. */
const SETTLE_MS = 2_000;

type Props = { states: SessionState[] };

/** The "saved" mark: it follows the server's durability acks, not merely the socket. */
export function SavedMark({ states }: Props) {
  const [label, text] = savedLabel(states);
  // The mark itself is not live: only a state that lasted is told, and only when it differs from the last one
  // told. The page's ordinary start (connecting, then saved) is not news; losing the connection is, even in
  // the first seconds, before any state had lasted.
  const told = useRef<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => {
      const ordinaryStart = told.current === null && (label === "Connecting" || label === "Saved" || label === "Saving");
      if (!ordinaryStart && told.current !== label) announce(label);
      told.current = label;
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [label]);
  return (
    <span
      className={`saved-mark ${label === "Saved" ? "is-saved" : "is-pending"}`}
      role="status"
      aria-live="off"
      aria-label={label}
      title={label === "Saved" ? "Everything you wrote is stored on the server" : undefined}
    >
      {text}
    </span>
  );
}

type BannerProps = Props & {
  notice: SyncNotice | null;
  onDismiss(): void;
  /** The role the server gave this page since it opened, told until dismissed (use-role-notice.ts). */
  roleNotice: { notice: string | null; dismiss(): void };
  /** The article was corrected (re-anchored targets name a newer revision) since it was loaded. */
  corrected: boolean;
  correction: CorrectionLoad;
};

/** The offline banner, the refusal notice, a change of role, a correction to load, and anything that stopped the live connection. */
export function StatusBanner({ states, notice, onDismiss, roleNotice, corrected, correction }: BannerProps) {
  const summary = syncSummary(states);
  const offline = summary.connection === "offline";
  const connecting = summary.connection === "connecting";
  // Only a connection that takes a while is worth a banner; a normal join takes milliseconds.
  const [reconnecting, setReconnecting] = useState(false);
  useEffect(() => {
    if (!connecting) return setReconnecting(false);
    const timer = setTimeout(() => setReconnecting(true), 2_000);
    return () => clearTimeout(timer);
  }, [connecting]);
  const fatal = states.find((s) => s.fatal)?.fatal;
  return (
    <div className="banners">
      {offline && (
        <p className="banner banner-offline" role="status">
          {connectionBanner(summary)}
        </p>
      )}
      {reconnecting && connecting && !fatal && (
        <p className="banner banner-info" role="status">
          {connectionBanner(summary)}
        </p>
      )}
      {fatal && (
        <p className="banner banner-error" role="alert">
          {fatal}
        </p>
      )}
      {roleNotice.notice && !fatal && (
        <div className="banner banner-info" role="status">
          <p>{roleNotice.notice}</p>
          <button type="button" onClick={roleNotice.dismiss}>
            Dismiss
          </button>
        </div>
      )}
      {/* Once the live connection has ended (the article deleted, access lost, signed out) there is no
          newer revision to read into it: the offer would stand beside "This article was deleted." */}
      {corrected && !fatal && <CorrectionOffer correction={correction} />}
      {notice && (
        <div className={`banner banner-warning${notice.kept ? " banner-kept" : ""}`} role="alert">
          <p>{notice.message}</p>
          {notice.kept && <KeptText text={notice.kept} />}
          <button type="button" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

/** A correction to load; one that failed to load says why, in an alert, and is offered again. */
function CorrectionOffer({ correction: { state, failure, load } }: { correction: CorrectionLoad }) {
  return (
    <div className={`banner ${failure ? "banner-warning" : "banner-info"}`} role="status">
      <p>This article has been corrected since you opened it.</p>
      {failure && (
        <p role="alert">
          {failure} You can go on reading the revision on screen, and try again.
        </p>
      )}
      <button type="button" onClick={load} disabled={state === "loading"}>
        {state === "loading" ? "Loading the new revision…" : failure ? "Try again" : "Load the new revision"}
      </button>
    </div>
  );
}

/** Words of the user's that the server did not take, shown whole and offered to copy, until dismissed. */
function KeptText({ text }: { text: string }) {
  const box = useRef<HTMLTextAreaElement>(null);
  return (
    <>
      <textarea ref={box} className="kept-text" aria-label="What you wrote" dir="auto" readOnly value={text} rows={Math.min(6, text.split("\n").length + 1)} />
      <CopyTextButton text={text} source={box} />
    </>
  );
}
