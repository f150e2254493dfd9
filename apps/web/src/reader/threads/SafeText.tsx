import { linkify } from "../../lib/linkify.ts";
import { EXTERNAL_LINK, safeHref } from "../../lib/safe-url.ts";

/**
 * Untrusted text (comment bodies, claims) as text nodes, with http(s) URLs
 * turned into links. Nothing here is ever parsed as HTML.
 */
export function SafeText({ text, className, lang }: { text: string; className?: string; lang?: string | null }) {
  return (
    // Bodies and claims may be Persian or Arabic: each paragraph takes the direction of its first letter.
    // A known language picks a screen reader's voice and the script's font, which direction alone cannot.
    <p className={className ?? "safe-text"} dir="auto" lang={lang ?? undefined}>
      {linkify(text).map((segment, i) =>
        segment.href ? (
          <a key={i} href={segment.href} {...EXTERNAL_LINK}>
            {segment.text}
          </a>
        ) : (
          segment.text
        ),
      )}
    </p>
  );
}

/** A source link: only http(s) targets become links; anything else shows as plain text. */
export function SourceLink({ url, title }: { url: string; title: string }) {
  const href = safeHref(url);
  const label = title.trim() || (href ? new URL(href).hostname : url);
  if (!href) return <span className="source-unsafe">{label}</span>;
  return (
    <a href={href} {...EXTERNAL_LINK} title={href}>
      {label}
    </a>
  );
}
