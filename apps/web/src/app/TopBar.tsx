import { type ReactNode, useState } from "react";
import { errorMessage } from "../api/client.ts";
import { NotificationsMenu } from "./NotificationsMenu.tsx";
import { Link, navigate } from "./router.tsx";
import { useSession } from "./session.tsx";

/** The strip across every screen: home, who is signed in, sign out. */
export function TopBar({ children }: { children?: ReactNode }) {
  const { me, logout } = useSession();
  const [signOutError, setSignOutError] = useState<string | null>(null);
  return (
    <header className="topbar">
      <Link to="/" className="brand" aria-label="Marginalia home">
        Marginalia
      </Link>
      <div className="topbar-middle">{children}</div>
      {me && (
        <div className="topbar-user">
          <NotificationsMenu />
          <span className="who" title={me.user.email}>
            {me.user.name}
          </span>
          <button
            type="button"
            className="link-button"
            onClick={async () => {
              setSignOutError(null);
              try {
                await logout();
              } catch (err) {
                return setSignOutError(`Not signed out (${errorMessage(err).replace(/\.$/, "")}). You are still signed in on this browser.`);
              }
              navigate("/login");
            }}
          >
            Sign out
          </button>
          {signOutError && (
            <p className="error topbar-error" role="alert">
              {signOutError}
            </p>
          )}
        </div>
      )}
    </header>
  );
}
