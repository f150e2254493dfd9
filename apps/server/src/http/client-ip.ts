import { getConnInfo } from "@hono/node-server/conninfo";
import type { AppContext } from "../context.ts";

/** The caller's address; behind a trusted proxy, the hop the proxy appended last. */
export function clientIp(c: AppContext): string {
  if (c.get("deps").config.trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // In-process requests (app.request in tests) have no socket.
    return "unknown";
  }
}
