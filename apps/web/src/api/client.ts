/** Every server error has this body (README: "API in brief"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Body = { json: unknown } | { form: FormData } | { raw: string; type: string };

const unauthenticatedListeners = new Set<() => void>();
/** Lets the session drop back to the sign-in screen when any call finds the session gone. */
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

/**
 * One JSON call to the server. The browser sends the session cookie itself
 * (same origin), and the server checks Origin on writes.
 */
export async function api<T>(method: string, path: string, body?: Body, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { accept: "application/json", ...headers } };
  if (body && "json" in body) {
    init.body = JSON.stringify(body.json);
    init.headers = { ...init.headers, "content-type": "application/json" };
  } else if (body && "form" in body) {
    init.body = body.form;
  } else if (body) {
    init.body = body.raw;
    init.headers = { ...init.headers, "content-type": body.type };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string; field?: string } } | null;
  if (!res.ok) {
    const error = data?.error;
    if (res.status === 401 && !path.startsWith("/api/auth/")) for (const fn of unauthenticatedListeners) fn();
    // A proxy in front of the server answers a 5xx of its own without our body: the reader is told it was the server's.
    const fallback = res.status >= 500 ? `The server could not answer (error ${res.status}). Try again in a moment.` : `Request failed (${res.status})`;
    throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? fallback, error?.field);
  }
  return data as T;
}

export const errorMessage = (err: unknown) => (err instanceof Error ? err.message : "Something went wrong");
