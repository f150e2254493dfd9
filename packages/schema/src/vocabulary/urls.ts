import { z } from "zod";

/**
 * The bidirectional formatting characters (Unicode's Bidi_Control: the marks, the Arabic letter mark among
 * them, embeddings, overrides and isolates). RFC 3987 (section
 * 4.1) forbids them in IRIs, and in a tag or an address they would reverse what follows where it is
 * shown: `https://example.org/\u202etxt.exe` reads as ending in "exe.txt".
 */
export const BIDI_FORMATTING = /\p{Bidi_Control}/u;

/** What RFC 3986 allows in a path, query or fragment, besides a percent escape. */
const NOT_IN_URI = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/g;
const escaped = (part: string) => part.replace(NOT_IN_URI, (c) => (c === "%" ? "%25" : encodeURIComponent(c)));

/**
 * An absolute http(s) URL in its normal form, or null when it is not one: as the WHATWG URL parser
 * serializes it (`new URL(u).href`: the host in punycode, spaces and non-ASCII percent-encoded), with what
 * that leaves as typed and RFC 3986 does not allow (`|`, `^`, a `%` that starts no escape, a second `#`)
 * escaped as well. Stored verbatim, `https://example.org/a b` was served under `format: uri`, which it is not.
 */
export function normalHttpUrl(given: string): string | null {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const userinfo = url.username ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
  const hash = url.hash ? `#${escaped(url.hash.slice(1))}` : "";
  return `${url.protocol}//${userinfo}${url.host}${escaped(url.pathname + url.search)}${hash}`;
}

export const MAX_URL_LENGTH = 2048;
const DESCRIBED =
  "An absolute http(s) URL, stored in its normal form: as the WHATWG URL parser serializes it (new URL(u).href: host in punycode, spaces and non-ASCII percent-encoded), with any character RFC 3986 does not allow percent-encoded too";

/** An http(s) URL as stored, and as a live document holds it: normal already, so the live check never rewrites a client's value. */
export const httpUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(MAX_URL_LENGTH)
  .refine((url) => normalHttpUrl(url) === url, "an http(s) URL in its normal form (WHATWG's serialization, with what RFC 3986 does not allow percent-encoded)")
  .describe(DESCRIBED);

/** An http(s) URL as a REST or W3C client sends it: any absolute one, stored in its normal form. */
export const httpUrlInputSchema = z
  .string()
  .max(MAX_URL_LENGTH)
  .transform((given, ctx) => {
    const normal = normalHttpUrl(given);
    if (normal === null) ctx.addIssue({ code: "custom", message: "an absolute http(s) URL" });
    return normal ?? z.NEVER;
  })
  .pipe(httpUrlSchema)
  .describe(DESCRIBED);
