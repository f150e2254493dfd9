import { isIP } from "node:net";

/**
 * The key a client address is counted under by the rate limits. An IPv4
 * address is itself; an IPv6 address is its /64, since one subscriber (or one
 * rented server) is routinely handed a whole /64 and can pick any address in
 * it, which would otherwise be a fresh count per request. An IPv4 address
 * written as IPv6 (`::ffff:1.2.3.4`) is its IPv4 address, so that the same
 * client is one count whichever way the socket reports it. Anything else
 * ("unknown") is kept as it is.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/^\[(.*)\]$/, "$1").split("%")[0]!;
  if (isIP(bare) !== 6) return address;
  const groups = hextets(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail turned into two groups). */
function hextets(address: string): number[] {
  const tail = address.match(/^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  const text = tail
    ? `${tail[1]}${((Number(tail[2]) << 8) | Number(tail[3])).toString(16)}:${((Number(tail[4]) << 8) | Number(tail[5])).toString(16)}`
    : address;
  const [head, rest] = text.split("::") as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const before = parse(head);
  const after = parse(rest);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}
