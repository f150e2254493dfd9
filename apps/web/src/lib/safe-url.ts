import { normalHttpUrl } from "@marginalia/schema";

/**
 * Links from untrusted text (comments, source URLs and titles) may only point
 * at http(s): `javascript:`, `data:` and friends never become an href.
 */
export function safeHref(raw: string): string | null {
  const value = raw.trim();
  // Only absolute URLs: a relative one would resolve against this app's origin.
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (!url.hostname) return null;
    // As the server stores a source's URL (normal form, packages/schema/src/vocabulary/urls.ts): a live write of
    // `https://example.org/a|b` as typed would be refused, and the fact-check with it.
    return normalHttpUrl(url.href);
  } catch {
    return null;
  }
}

/** The attributes every outbound link carries. */
export const EXTERNAL_LINK = { target: "_blank", rel: "noopener noreferrer" } as const;
