import type { User } from "./auth.ts";
import { api } from "./client.ts";

/** What a token may do beyond reading and annotating as its user (apps/server/src/auth/api-tokens.ts). */
export type TokenScope = "tokens";
/** One row of GET /api/tokens: never the secret, which only the answer to its creation carries. */
export type ApiToken = { id: string; name: string; scopes: TokenScope[]; createdAt: string; lastUsedAt: string | null };
export type CreatedToken = Omit<ApiToken, "lastUsedAt"> & { token: string };

/**
 * Ends the user's other sessions; this one carries on. A wrong current password is a 401 naming
 * `currentPassword`, which, being under /api/auth/, does not sign the page out (client.ts).
 */
export const changePassword = (input: { currentPassword: string; newPassword: string; revokeTokens: boolean }) =>
  api<void>("POST", "/api/auth/password", { json: input });
/** Ends every session of the user, this one included. */
export const logoutEverywhere = (input: { revokeTokens: boolean }) => api<void>("POST", "/api/auth/logout-everywhere", { json: input });

export const fetchTokens = async () => (await api<{ tokens: ApiToken[] }>("GET", "/api/tokens")).tokens;
export const createToken = (input: { name: string; scopes?: TokenScope[] }) => api<CreatedToken>("POST", "/api/tokens", { json: input });
export const revokeToken = (tokenId: string) => api<void>("DELETE", `/api/tokens/${encodeURIComponent(tokenId)}`);
/** Changes the name others see; the same rules as a sign-up's (one plain line, at most 100 characters). */
export const renameMe = async (name: string) => (await api<{ user: User }>("PATCH", "/api/me", { json: { name } })).user;
