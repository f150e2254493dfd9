import { useEffect } from "react";
import { AccountScreen } from "../account/AccountScreen.tsx";
import { DashboardScreen } from "../dashboard/DashboardScreen.tsx";
import { ParticipationScreen } from "../dashboard/ParticipationScreen.tsx";
import { AuthScreen } from "../library/AuthScreen.tsx";
import { ConfirmSignupScreen } from "../library/ConfirmSignupScreen.tsx";
import { GroupScreen } from "../library/GroupScreen.tsx";
import { LibraryScreen } from "../library/LibraryScreen.tsx";
import { ModerationScreen } from "../library/ModerationScreen.tsx";
import { ForgotPasswordScreen, ResetPasswordScreen } from "../library/PasswordResetScreens.tsx";
import { ReaderScreen } from "../reader/index.ts";
import { TopBar } from "./TopBar.tsx";
import { Announcer } from "./announcer.tsx";
import { useHeadingFocus } from "./use-heading-focus.ts";
import { useDocumentTitle } from "./use-document-title.ts";
import { type Route, matchRoute, navigate, usePath } from "./router.tsx";
import { SessionProvider, useSession } from "./session.tsx";

export function App() {
  return (
    <SessionProvider>
      <Announcer />
      <Shell />
    </SessionProvider>
  );
}

/** The screens a signed-out visitor may see; every other one sends them to sign in first. */
const OPEN_ROUTES = new Set<Route["name"]>(["login", "signup", "confirm-signup", "forgot-password", "reset-password"]);

function Shell() {
  const path = usePath();
  const route = matchRoute(path);
  const { status } = useSession();
  const open = OPEN_ROUTES.has(route.name);
  useHeadingFocus(path);

  useEffect(() => {
    // Signed-out visitors go to the sign-in form, and come back where they were going.
    if (status === "anonymous" && !open) navigate(`/login?next=${encodeURIComponent(path)}`, { replace: true });
  }, [status, open, path]);

  if (status === "loading") return <p className="loading" role="status">Loading…</p>;
  if (route.name === "confirm-signup") return <ConfirmSignupScreen />;
  if (route.name === "forgot-password") return <ForgotPasswordScreen />;
  if (route.name === "reset-password") return <ResetPasswordScreen />;
  if (open) return <AuthScreen mode={route.name === "signup" ? "signup" : "login"} />;
  if (status !== "signed-in") return null;
  return (
    <>
      {route.name !== "article" && <TopBar />}
      {route.name === "library" && <LibraryScreen />}
      {route.name === "account" && <AccountScreen />}
      {route.name === "group" && <GroupScreen groupId={route.groupId} />}
      {route.name === "moderation" && <ModerationScreen groupId={route.groupId} />}
      {route.name === "article" && <ReaderScreen key={route.articleId} articleId={route.articleId} />}
      {route.name === "dashboard" && <DashboardScreen key={route.articleId} articleId={route.articleId} />}
      {route.name === "participation" && <ParticipationScreen key={route.articleId} articleId={route.articleId} />}
      {route.name === "not-found" && <NotFound />}
    </>
  );
}

function NotFound() {
  useDocumentTitle("Page not found");
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
    </main>
  );
}
