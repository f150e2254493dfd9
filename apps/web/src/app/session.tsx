import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import * as account from "../api/account.ts";
import * as auth from "../api/auth.ts";
import { ApiError, onUnauthenticated } from "../api/client.ts";
import { clearDrafts } from "./drafts.ts";

type SessionValue = {
  status: "loading" | "anonymous" | "signed-in";
  me: auth.Me | null;
  refresh(): Promise<void>;
  login(input: { email: string; password: string }): Promise<void>;
  signup(input: { email: string; password: string; name: string }): Promise<void>;
  confirmSignup(input: { token: string; password: string }): Promise<void>;
  resetPassword(input: { token: string; newPassword: string }): Promise<void>;
  logout(): Promise<void>;
  logoutEverywhere(input: { revokeTokens: boolean }): Promise<void>;
};

const SessionContext = createContext<SessionValue | null>(null);

/** Who is signed in, from `/api/me`; every screen reads it. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<auth.Me | null>(null);
  const [status, setStatus] = useState<SessionValue["status"]>("loading");

  const refresh = useCallback(async () => {
    try {
      setMe(await auth.fetchMe());
      setStatus("signed-in");
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setMe(null);
        setStatus("anonymous");
      } else throw err;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setStatus("anonymous"));
    return onUnauthenticated(() => {
      setMe(null);
      setStatus("anonymous");
    });
  }, [refresh]);

  const value = useMemo<SessionValue>(
    () => ({
      status,
      me,
      refresh,
      login: async (input) => {
        await auth.login(input);
        await refresh();
      },
      signup: async (input) => {
        await auth.signup(input);
      },
      confirmSignup: async (input) => {
        await auth.confirmSignup(input);
        await refresh();
      },
      resetPassword: async (input) => {
        await auth.resetPassword(input);
        await refresh();
      },
      logout: async () => {
        // Only the server can end the session (its cookie is out of the page's reach): a sign-out it never
        // confirmed leaves the session valid, and the page must not show the sign-in screen over it. A 401
        // means it had already ended.
        await auth.logout().catch((err: unknown) => {
          if (!(err instanceof ApiError && err.status === 401)) throw err;
        });
        // What was being written stays on the account, not on the browser the next person may use.
        clearDrafts();
        setMe(null);
        setStatus("anonymous");
      },
      logoutEverywhere: async (input) => {
        // As logout; but a 401 asked to revoke the tokens too revoked nothing, and must not pass for done.
        await account.logoutEverywhere(input).catch((err: unknown) => {
          if (input.revokeTokens || !(err instanceof ApiError && err.status === 401)) throw err;
        });
        clearDrafts();
        setMe(null);
        setStatus("anonymous");
      },
    }),
    [status, me, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** The signed-in user; only for screens behind the sign-in gate. */
export function useMe(): auth.Me {
  const { me } = useSession();
  if (!me) throw new Error("useMe while signed out");
  return me;
}
