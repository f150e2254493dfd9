import { type LookupAddress, lookup } from "node:dns";
import { promisify } from "node:util";
import ipaddr from "ipaddr.js";
import { ApiError } from "../errors.ts";

const lookupAll = promisify(lookup);

/**
 * Whether an address is on the public internet. A webhook URL is the group owner's to choose, and
 * the server fetches it: without this, an owner could make the server probe its own network
 * (loopback, private ranges, the cloud metadata address at 169.254.169.254).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  return ipaddr.process(address).range() === "unicast";
}

/** Refuses a URL whose host is, or resolves to, a non-public address (unless `allowPrivate`). */
export async function assertDeliverableUrl(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = ipaddr.isValid(host) ? [host] : (await lookupAll(host, { all: true }).catch(() => [] as LookupAddress[])).map((a) => a.address);
  if (!addresses.length) throw new ApiError("validation_failed", "The webhook's host does not resolve", "url");
  if (!addresses.every(isPublicAddress)) {
    throw new ApiError("validation_failed", "Webhooks cannot point at loopback, private or link-local addresses", "url");
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that checks the address it connects to, not one resolved earlier: a
 * name that resolved to a public address when the webhook was made may resolve elsewhere later.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = !allowPrivate && list.some((a) => !isPublicAddress(a.address));
      if (refused) return callback(Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: "EADDRNOTPUBLIC" }), []);
      const wantsAll = (options as { all?: boolean }).all;
      if (wantsAll) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
