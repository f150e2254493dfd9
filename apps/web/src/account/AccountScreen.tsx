import { useState } from "react";
import { fetchTokens } from "../api/account.ts";
import { errorMessage } from "../api/client.ts";
import { navigate } from "../app/router.tsx";
import { useMe, useSession } from "../app/session.tsx";
import { useAction } from "../lib/use-action.ts";
import { useAsync } from "../lib/use-async.ts";
import { ConfirmAction } from "../app/ConfirmAction.tsx";
import { PasswordPanel } from "./PasswordPanel.tsx";
import { ProfilePanel } from "./ProfilePanel.tsx";
import { TokensPanel } from "./TokensPanel.tsx";

/** The signed-in user's own account: who they are, their password, their sessions and their API tokens. */
export function AccountScreen() {
  const { user } = useMe();
  const tokens = useAsync(fetchTokens, []);
  return (
    <main className="page account">
      <h1>Your account</h1>
      <ProfilePanel user={user} />
      <PasswordPanel email={user.email} onTokensRevoked={() => void tokens.reload()} />
      <SignOutEverywherePanel />
      <TokensPanel tokens={tokens} />
    </main>
  );
}

/** Ends every session of the user, this one too: for a lost device, or a browser left signed in elsewhere. */
function SignOutEverywherePanel() {
  const { logoutEverywhere } = useSession();
  const [revokeTokens, setRevokeTokens] = useState(false);
  const { error, run } = useAction();

  const signOut = () =>
    run(async () => {
      await logoutEverywhere({ revokeTokens });
      navigate("/login");
    });

  return (
    <section aria-labelledby="everywhere-heading" className="panel">
      <h2 id="everywhere-heading">Sign out everywhere</h2>
      <p>Ends every session of yours, on every device and browser, this one included. Use it for a lost device, or a computer you signed in on and cannot reach.</p>
      <div className="stack">
        <label className="checkbox">
          <input type="checkbox" checked={revokeTokens} onChange={(e) => setRevokeTokens(e.target.checked)} />
          <span>Also revoke all my API tokens (scripts using them stop working)</span>
        </label>
        <div>
          <ConfirmAction
            trigger="Sign out everywhere…"
            label="Confirm signing out everywhere"
            question={
              revokeTokens
                ? "Sign out of every device, this one included, and revoke all your API tokens?"
                : "Sign out of every device, this one included? Your API tokens keep working."
            }
            confirm="Sign out everywhere"
            onConfirm={signOut}
          />
        </div>
      </div>
      {error != null && (
        <p className="error" role="alert">
          Not signed out everywhere: {errorMessage(error)}
        </p>
      )}
    </section>
  );
}
