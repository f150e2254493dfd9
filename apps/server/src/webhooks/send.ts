import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { guardedLookup } from "../net/address.ts";

export type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** `sha256=<hex>` of the raw body, keyed by the webhook's secret: what receivers check. */
export const signature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/**
 * One POST of a delivery. node:http rather than fetch, for its `lookup` hook: the address actually
 * connected to is checked (address.ts). The attempt counts once the answer's status arrives, and its
 * body is never read. `timeoutMs` bounds the whole attempt, from connecting to the status: node's
 * own `timeout` only measures idleness, so a receiver sending a byte every few seconds never met it.
 */
export function postDelivery(
  target: string,
  delivery: { id: string; event: string; body: string; secret: string },
  { allowPrivate, timeoutMs }: { allowPrivate: boolean; timeoutMs: number },
): Promise<Attempt> {
  const url = new URL(target);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const settle = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(attempt);
    };
    const req = client.request(
      url,
      {
        method: "POST",
        // A connection of its own per attempt, closed after it. Node 20's global agent keeps sockets alive and
        // reuses them; the test suite once saw a 10 s gap (the whole timeout) between two attempts, and an
        // attempt written onto a socket its receiver had just let go is the likeliest cause. Deliveries are
        // rare, so reuse bought little, and each attempt's address now goes through `guardedLookup`.
        agent: false,
        lookup: guardedLookup(allowPrivate),
        headers: {
          "content-type": "application/json",
          "user-agent": "Marginalia-Webhooks/1",
          "x-marginalia-event": delivery.event,
          "x-marginalia-delivery": delivery.id,
          "x-marginalia-signature": signature(delivery.secret, delivery.body),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        settle(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `answered ${status}` });
        res.destroy();
      },
    );
    req.on("error", (err) => settle({ ok: false, status: null, error: err.message.slice(0, 500) }));
    req.end(delivery.body);
  });
}
