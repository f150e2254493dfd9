import type { ModerationMode, Role } from "@marginalia/schema";
import { api } from "./client.ts";

export type User = { id: string; email: string; name: string };
export type GroupSummary = { id: string; name: string; slug: string; moderation: ModerationMode; role: Role; createdAt: string };
export type Me = { user: User; groups: GroupSummary[] };

export const fetchMe = () => api<Me>("GET", "/api/me");
/** Starts a sign-up: the server mails a link to the address, whether or not it already has an account. */
export const signup = (input: { email: string; password: string; name: string }) =>
  api<{ status: "confirmation-sent"; email: string }>("POST", "/api/auth/signup", { json: input });
/** Finishes a sign-up with the mailed token and the password chosen then; signs in. */
export const confirmSignup = (input: { token: string; password: string }) => api<{ user: User }>("POST", "/api/auth/confirm", { json: input });
/** Asks for a reset link: the server mails one to an address with an account, and a notice to one without. */
export const requestPasswordReset = (email: string) => api<{ status: "reset-sent"; email: string }>("POST", "/api/auth/password-reset", { json: { email } });
/** Sets a new password with the mailed token; signs every other session out, and signs in here. */
export const resetPassword = (input: { token: string; newPassword: string }) => api<{ user: User }>("POST", "/api/auth/password-reset/confirm", { json: input });
export const login = (input: { email: string; password: string }) => api<{ user: User }>("POST", "/api/auth/login", { json: input });
export const logout = () => api<void>("POST", "/api/auth/logout");
