import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { MiddlewareHandler } from "hono";
import { parseAccept } from "hono/utils/accept";
import { entityTags, noneMatch } from "../http/entity-tags.ts";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { mediaType } from "../http/input.ts";
import { requestText } from "../http/streamed-body.ts";
import { parseJsonBody } from "../http/well-formed.ts";

/** The HTTP side of the Web Annotation Protocol: media types, link headers, validators, preferences. */

export const ANNO_PROFILE = "http://www.w3.org/ns/anno.jsonld";
export const LD_JSON = `application/ld+json; profile="${ANNO_PROFILE}"`;

/**
 * What every W3C resource is served as, in our order of preference: one JSON document, which is also
 * JSON-LD with the anno profile. Labelled as either, the bytes are the same.
 */
const PRODUCED = [
  { range: "application/ld+json", contentType: LD_JSON },
  { range: "application/json", contentType: "application/json" },
] as const;

const CONSTRAINED_BY = '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"';

/** Headers every response about a container carries (protocol §4.1, §5.1). */
export const CONTAINER_HEADERS = {
  Link: `<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", ${CONSTRAINED_BY}`,
  Allow: "GET, POST, HEAD, OPTIONS",
  "Accept-Post": LD_JSON,
  Vary: "Accept, Prefer",
} as const;

export const PAGE_HEADERS = { Allow: "GET, HEAD, OPTIONS", Vary: "Accept, Prefer" } as const;

/** Headers of one annotation (protocol §4.2): an LDP resource of type oa:Annotation. */
export const ANNOTATION_HEADERS = {
  Link: '<http://www.w3.org/ns/ldp#Resource>; rel="type", <http://www.w3.org/ns/oa#Annotation>; rel="type"',
  Allow: "PUT, GET, OPTIONS, HEAD, DELETE",
  Vary: "Accept",
} as const;

/**
 * A strong validator: the representation's own SHA-256, so equal bytes always give equal tags. The same
 * bytes labelled application/json are another representation (RFC 9110 §8.8.3), with a tag of its own:
 * a cache holding both variants, revalidating with both tags, must not be told to serve one for the other.
 */
export function etagOf(body: string, contentType: string = LD_JSON): string {
  const hash = encodeHexLowerCase(sha256(new TextEncoder().encode(body)));
  return contentType === LD_JSON ? `"${hash}"` : `"${hash}-json"`;
}

/**
 * If-Match uses the strong comparison (RFC 9110 §13.1.1): a weak tag never matches. A tag of either
 * label names the same state, so an edit read as plain JSON can be sent back.
 */
export const ifMatchAllows = (header: string, body: string) =>
  entityTags(header).some((t) => t === "*" || PRODUCED.some((p) => t === etagOf(body, p.contentType)));

/**
 * Sends a W3C document with its ETag, or 304 when a GET already holds it. Only the serialised bytes are
 * hashed, so the tag changes exactly when the representation does; the Content-Type is the one the
 * client's Accept chose (negotiated), which labels the same bytes.
 */
export function sendLd<E extends AppEnv>(
  c: AppContext<E>,
  doc: unknown,
  init: { status?: 200 | 201; headers: Record<string, string> },
) {
  const body = JSON.stringify(doc);
  const contentType = servedType(c.req.header("accept")) ?? LD_JSON;
  const etag = etagOf(body, contentType);
  const headers = { ...init.headers, ETag: etag };
  const ifNoneMatch = c.req.header("if-none-match");
  if ((c.req.method === "GET" || c.req.method === "HEAD") && ifNoneMatch && noneMatch(ifNoneMatch, etag)) return c.body(null, 304, headers);
  return c.body(body, init.status ?? 200, { ...headers, "Content-Type": contentType });
}

type MediaRange = { type: string; subtype: string; q: number };

/**
 * The header's media ranges, as Hono's parser reads them (quoted parameters, weights); a malformed range
 * is skipped, and so is a type of "*" with a named subtype ("json"), which RFC 9110 gives no meaning.
 */
function mediaRanges(header: string): MediaRange[] {
  return parseAccept(header).flatMap(({ type: range, q }) => {
    const [type, subtype, ...rest] = range.toLowerCase().split("/");
    const readable = type && subtype && rest.length === 0 && !(type === "*" && subtype !== "*");
    return readable && Number.isFinite(q) ? [{ type, subtype, q }] : [];
  });
}

/**
 * The weight the ranges give a media type (RFC 9110 §12.5.1): that of the most specific range naming
 * it; null when none does. A profile, or any parameter but q, does not narrow a range: the anno profile
 * is the only JSON-LD we write, and a client naming another still reads it.
 */
function weightOf(ranges: MediaRange[], mediaType: string): number | null {
  const [type, subtype] = mediaType.split("/");
  const specificity = (r: MediaRange) =>
    r.type === type && r.subtype === subtype ? 3 : r.type === type && r.subtype === "*" ? 2 : r.type === "*" && r.subtype === "*" ? 1 : 0;
  const best = Math.max(0, ...ranges.map(specificity));
  return best === 0 ? null : Math.max(...ranges.filter((r) => specificity(r) === best).map((r) => r.q));
}

/**
 * The Content-Type to answer an Accept header with, or null when it takes nothing we produce. JSON-LD
 * with the anno profile, which any JSON client reads, unless the client refuses it (q=0) or weighs
 * application/json higher: then application/json, not the label it turned down. A header naming only
 * application/json gets the JSON-LD label, as the protocol's clients expect. No header, or one without a
 * range we can read, accepts anything.
 */
export function servedType(header: string | undefined): string | null {
  const ranges = mediaRanges(header ?? "");
  if (ranges.length === 0) return LD_JSON;
  const ld = weightOf(ranges, "application/ld+json");
  const json = weightOf(ranges, "application/json") ?? 0;
  if (ld === null) return json > 0 ? LD_JSON : null;
  if (json > ld) return "application/json";
  return ld > 0 ? LD_JSON : null;
}

/**
 * Refuses, before any work, a request whose answer the client could not take (a 406, not JSON-LD to a
 * client that asked for Turtle): a POST or PUT is refused before it creates or changes anything.
 */
export const negotiated: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (servedType(c.req.header("accept")) === null) {
    throw new ApiError("not_acceptable", `This resource is served as ${LD_JSON}, or as application/json: the Accept header names neither`);
  }
  await next();
};

/** W3C clients send application/ld+json (with or without the profile); plain JSON clients are welcome too. */
export async function readAnnotationJson<E extends AppEnv>(c: AppContext<E>): Promise<unknown> {
  const type = mediaType(c);
  if (type !== "application/ld+json" && type !== "application/json") {
    throw new ApiError("unsupported_media_type", `Send the annotation as ${LD_JSON}`);
  }
  return parseJsonBody(await requestText(c));
}

const PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs";
const PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions";
const PREFER_MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer";

export type ContainerPreference = { iris: boolean; minimal: boolean; applied: boolean };

/**
 * Reads `Prefer: return=representation; include="…"` (protocol §4.1.1). Descriptions are the default,
 * and win if a client asks for both; a minimal container links its pages instead of embedding the first.
 */
export function containerPreference(header: string | undefined): ContainerPreference {
  const none = { iris: false, minimal: false, applied: false };
  if (!header || !/(^|[\s;,])return\s*=\s*"?representation/i.test(header)) return none;
  const include = /include\s*=\s*"([^"]*)"/i.exec(header)?.[1]?.split(/\s+/) ?? [];
  return {
    iris: include.includes(PREFER_IRIS) && !include.includes(PREFER_DESCRIPTIONS),
    minimal: include.includes(PREFER_MINIMAL),
    applied: include.length > 0,
  };
}
