import type { ModerationMode, Role } from "@marginalia/schema";
import { api } from "./client.ts";

export type User = { id: string; email: string; name: string };
export type GroupSummary = { id: string; name: string; slug: string; moderation: ModerationMode; role: Role; createdAt: string };
export type Me = { user: User; groups: GroupSummary[] };

export const fetchMe = () => api<Me>("GET", "/api/me");
export const signup = (input: { email: string; password: string; name: string }) =>
  api<{ user: User }>("POST", "/api/auth/signup", { json: input });
export const login = (input: { email: string; password: string }) => api<{ user: User }>("POST", "/api/auth/login", { json: input });
export const logout = () => api<void>("POST", "/api/auth/logout");
