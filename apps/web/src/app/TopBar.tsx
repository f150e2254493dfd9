import type { ReactNode } from "react";
import { NotificationsMenu } from "./NotificationsMenu.tsx";
import { Link, navigate } from "./router.tsx";
import { useSession } from "./session.tsx";

/** The strip across every screen: home, who is signed in, sign out. */
export function TopBar({ children }: { children?: ReactNode }) {
  const { me, logout } = useSession();
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
              await logout();
              navigate("/login");
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}
