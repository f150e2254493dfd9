/**
 * The entity tags an If-Match or If-None-Match header lists (RFC 9110 §13.1), as written: quoted, weak
 * ones with their `W/`, `*` as itself.
 */
export const entityTags = (header: string): string[] => header.split(",").map((tag) => tag.trim()).filter(Boolean);

/** A tag's opaque part, for a weak comparison: without `W/` and without its quotes. */
export const opaqueTag = (tag: string): string => tag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");

/** Whether an If-None-Match header holds `etag`: the weak comparison (RFC 9110 §13.1.2), or `*`. */
export const noneMatch = (header: string, etag: string): boolean =>
  entityTags(header).some((tag) => tag === "*" || tag.replace(/^W\//, "") === etag.replace(/^W\//, ""));
