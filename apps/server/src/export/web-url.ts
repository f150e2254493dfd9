/**
 * A web address as an export writes it: parsed and serialised as WHATWG URL does (`href`), so that what a
 * member or a source page gave (`?x=<b>`, a space) goes out percent-encoded, a valid URL to any consumer.
 * Null for anything but http(s), or what does not parse.
 */
export function webUrl(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
}
