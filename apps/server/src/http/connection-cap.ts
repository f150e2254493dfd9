import type { Socket } from "node:net";
import { addressKey } from "../auth/address-key.ts";

type Listening = { on(event: "connection", listener: (socket: Socket) => void): unknown };

const isLoopback = (key: string) => key.startsWith("127.") || key === "0:0:0:0::/64";

/**
 * Bounds the TCP connections one client address holds open at once (an IPv6 client by its /64, as the rate
 * limits count it): past `max`, a new one is closed as it opens. Every connection holds a file descriptor
 * until it ends, and an idle one lasts until Node's header timeout, so a single address opening a few
 * hundred a second left the process none to accept anyone else's. Loopback is not counted: it is this
 * machine, and the tests and the bench open thousands from it. Behind a proxy every connection is the
 * proxy's, so the caller does not cap there.
 */
export function capConnectionsPerAddress(server: Listening, max: number, exempt: (key: string) => boolean = isLoopback) {
  const open = new Map<string, number>();
  server.on("connection", (socket) => {
    const key = addressKey(socket.remoteAddress ?? "unknown");
    if (exempt(key)) return;
    const count = (open.get(key) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}
