import { type LookupAddress, lookup } from "node:dns";
import { promisify } from "node:util";
import ipaddr from "ipaddr.js";
import { ApiError } from "../errors.ts";

const lookupAll = promisify(lookup);

/** What ipaddr.js calls a range, in words for an error message. */
const RANGE_NAMES: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  uniqueLocal: "a private address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a shared (carrier-grade NAT) address",
  unspecified: "the unspecified address",
};

/** The cloud providers' instance metadata services: link-local, named apart because they hold credentials. */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"]);

/**
 * Why an address may not be fetched by the server, or null when it is on the
 * public internet. The server fetches URLs that members choose (webhooks,
 * imports): without this, a member could make it probe its own network
 * (loopback, private ranges, the cloud metadata address at 169.254.169.254).
 */
export function addressRefusal(address: string): string | null {
  if (!ipaddr.isValid(address)) return "not an IP address";
  // IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const parsed = ipaddr.process(address);
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString()) || METADATA_ADDRESSES.has(parsed.toString())) {
    return "a cloud metadata address";
  }
  const range = parsed.range();
  // ::/96 (IPv4-compatible, deprecated): ipaddr.js calls ::7f00:1 unicast, but a stack that still
  // translates it, or a gateway, would reach 127.0.0.1. Nothing public lives there.
  if (range === "unicast" && parsed.kind() === "ipv6" && parsed.toByteArray().slice(0, 12).every((b) => b === 0)) {
    return "an IPv4-compatible IPv6 address";
  }
  if (range === "unicast") return null;
  return RANGE_NAMES[range] ?? `a ${range} address`;
}

export const isPublicAddress = (address: string) => addressRefusal(address) === null;

/**
 * Which non-public addresses a caller lets through: none, all (development
 * and tests, by configuration), or exactly these (tests of the guard itself,
 * which need one local server reachable and its neighbours not).
 */
export type PrivateAllowance = boolean | ReadonlySet<string>;

/** Why `address` is refused under `allow`, or null when it may be connected to. */
function refusalUnder(allow: PrivateAllowance, address: string): string | null {
  if (allow === true || (allow !== false && allow.has(address))) return null;
  return addressRefusal(address);
}

/** The refusal, as the API reports it: 400 `address_not_public`, naming the field, the host and why. */
export function notPublic(field: string, host: string, address: string, reason: string): ApiError {
  const where = host === address ? host : `${host} (${address})`;
  return new ApiError("address_not_public", `${field}: ${where} is ${reason}; the server fetches public addresses only`, field);
}

/**
 * Refuses a URL whose host is, or resolves to, a non-public address (unless
 * `allowPrivate`). A check before connecting, for a clear answer; the
 * connection itself checks again (guardedLookup), since DNS may answer
 * differently the second time.
 */
export async function assertPublicUrl(url: URL, { allowPrivate, field = "url" }: { allowPrivate: PrivateAllowance; field?: string }): Promise<void> {
  if (allowPrivate === true) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = ipaddr.isValid(host) ? [host] : (await lookupAll(host, { all: true }).catch(() => [] as LookupAddress[])).map((a) => a.address);
  if (!addresses.length) throw new ApiError("validation_failed", `${field}: ${host} does not resolve`, field);
  for (const address of addresses) {
    const reason = refusalUnder(allowPrivate, address);
    if (reason) throw notPublic(field, host, address, reason);
  }
}

/** The error a guarded connection fails with; `reason` says which range the address is in. */
export class AddressNotPublicError extends Error {
  readonly code = "EADDRNOTPUBLIC";
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${host} resolves to ${address}, ${reason}`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that checks the address it connects to, not one
 * resolved earlier: a name that resolved to a public address a moment ago may
 * resolve elsewhere now.
 */
export function guardedLookup(allowPrivate: PrivateAllowance) {
  return (hostname: string, options: object, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      for (const { address } of list) {
        const reason = refusalUnder(allowPrivate, address);
        if (reason) return callback(new AddressNotPublicError(hostname, address, reason), []);
      }
      const wantsAll = (options as { all?: boolean }).all;
      if (wantsAll) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
