import { type ReactNode, useState } from "react";
import { errorMessage } from "../api/client.ts";
import { NotificationsMenu } from "./NotificationsMenu.tsx";
import { Link, navigate, usePath } from "./router.tsx";
import { useSession } from "./session.tsx";

/** The strip across every screen: home, who is signed in (a link to their account), sign out. */
export function TopBar({ children }: { children?: ReactNode }) {
  const { me, logout } = useSession();
  const path = usePath();
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
          {/* A phone has no room for the name: the link shows "Account" instead (reader.css); its name holds both words. */}
          <Link
            to="/account"
            className="who"
            title={me.user.email}
            aria-label={`${me.user.name}, account`}
            aria-current={path === "/account" ? "page" : undefined}
          >
            <span className="who-name">{me.user.name}</span>
            <span className="who-account">Account</span>
          </Link>
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
