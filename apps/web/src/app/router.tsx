import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from "react";
import { WEB_PATHS } from "@marginalia/schema";

/**
 * A few routes do not need a routing library: the History API, one event,
 * and a table of patterns, shared with the server (packages/schema/src/web-paths.ts), which answers
 * those paths with index.html and any other unknown path with 404.
 */
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((fn) => fn());
window.addEventListener("popstate", emit);
// A link followed by hand, or a fragment set by a script, changes the hash without a popstate.
window.addEventListener("hashchange", emit);

export function navigate(to: string, { replace = false } = {}) {
  const from = location.pathname;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  emit();
  // Another place on the same page (a notification of this article) keeps the reader where it was.
  if (location.pathname !== from) window.scrollTo(0, 0);
}

const subscribe = (fn: () => void) => {
  listeners.add(fn);
  return () => listeners.delete(fn);
};
const currentPath = () => location.pathname;
const currentHash = () => location.hash;

export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

/** The fragment, followed as it changes: the app's own links, the history, and the address bar alike. */
export function useHash(): string {
  return useSyncExternalStore(subscribe, currentHash);
}

export type Route =
  | { name: "login" }
  | { name: "signup" }
  | { name: "confirm-signup" }
  | { name: "forgot-password" }
  | { name: "reset-password" }
  | { name: "library" }
  | { name: "account" }
  | { name: "group"; groupId: string }
  | { name: "moderation"; groupId: string }
  | { name: "article"; articleId: string }
  | { name: "dashboard"; articleId: string }
  | { name: "participation"; articleId: string }
  | { name: "not-found" };

const TABLE: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [WEB_PATHS.login, () => ({ name: "login" })],
  [WEB_PATHS.signup, () => ({ name: "signup" })],
  [WEB_PATHS.confirmSignup, () => ({ name: "confirm-signup" })],
  [WEB_PATHS.forgotPassword, () => ({ name: "forgot-password" })],
  [WEB_PATHS.resetPassword, () => ({ name: "reset-password" })],
  [WEB_PATHS.library, () => ({ name: "library" })],
  [WEB_PATHS.account, () => ({ name: "account" })],
  [WEB_PATHS.group, (m) => ({ name: "group", groupId: m[1]! })],
  [WEB_PATHS.moderation, (m) => ({ name: "moderation", groupId: m[1]! })],
  [WEB_PATHS.article, (m) => ({ name: "article", articleId: m[1]! })],
  [WEB_PATHS.dashboard, (m) => ({ name: "dashboard", articleId: m[1]! })],
  [WEB_PATHS.participation, (m) => ({ name: "participation", articleId: m[1]! })],
];

export function matchRoute(path: string): Route {
  for (const [pattern, make] of TABLE) {
    const m = pattern.exec(path);
    if (m) return make(m);
  }
  return { name: "not-found" };
}

/** An <a> that navigates in place, but still opens a new tab on a modified click. */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
