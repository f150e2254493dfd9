/** The IRIs Marginalia mints: every one is absolute, under the server's public origin. */

export const articleIri = (baseUrl: string, articleId: string) => `${baseUrl}/articles/${articleId}`;
export const containerIri = (baseUrl: string, articleId: string) => `${baseUrl}/w3c/articles/${articleId}/`;
export const annotationIri = (baseUrl: string, articleId: string, id: string) => `${containerIri(baseUrl, articleId)}${id}`;
export const userIri = (baseUrl: string, userId: string) => `${baseUrl}/users/${userId}`;

/**
 * The article and annotation ids of one of our annotation IRIs. The host is not checked: the same
 * annotation is reachable under several origins (proxies, tests), and the caller checks the article.
 */
export function parseAnnotationIri(iri: string): { articleId: string; annotationId: string } | null {
  const m = /\/w3c\/articles\/([0-9a-f-]{36})\/([A-Za-z0-9_-]{1,64})$/i.exec(iri);
  return m ? { articleId: m[1]!.toLowerCase(), annotationId: m[2]! } : null;
}

/**
 * An IRI as a URL names it, where it is one: the scheme's and host's case, a default port and dot segments do not
 * change what it names (RFC 3986, section 6.2.2), and clients do write `HTTP://Example.org:80/a/../b`.
 */
export function normalIri(iri: string): string {
  try {
    return new URL(iri).href;
  } catch {
    return iri;
  }
}
