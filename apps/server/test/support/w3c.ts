// The W3C protocol's vocabulary and requests, shared by the container tests (w3c.test.ts) and the
// access and interop tests (w3c-clients.test.ts).
import { afterAll, beforeAll, expect } from "vitest";
import { annotationProblems, collectionProblems, pageProblems } from "../../src/w3c/conformance.ts";
import { type Reply, type TestApp, type TestClient, createTestApp } from "./app.ts";

export const LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"';
export const ANNO = "http://www.w3.org/ns/anno.jsonld";
export const PREFER = (what: string) => `return=representation; include="${what}"`;

/** The checkers list what a document breaks in the Data Model; every representation must break nothing. */
export const assertW3CAnnotation = (doc: unknown) => expect(annotationProblems(doc)).toEqual([]);
export const assertW3CPage = (doc: unknown) => expect(pageProblems(doc)).toEqual([]);
export const assertW3CCollection = (doc: unknown) => expect(collectionProblems(doc)).toEqual([]);

export const container = (articleId: string) => `/w3c/articles/${articleId}/`;

/** Stands for the container's article in the documents below; postW3C and putW3C put its IRI in. */
export const ARTICLE = "urn:test:the-container-article";

export function comment(value: string, selector: unknown, extra: Record<string, unknown> = {}) {
  return { "@context": ANNO, type: "Annotation", motivation: "commenting", body: { type: "TextualBody", value }, target: { source: ARTICLE, selector }, ...extra };
}
export const quote = (exact: string, more: Record<string, string> = {}) => ({ type: "TextQuoteSelector", exact, ...more });
export const position = (start: number, end: number) => ({ type: "TextPositionSelector", start, end });

export async function textOf(client: TestClient, articleId: string): Promise<string[]> {
  return Array.from((await client.get(`/api/articles/${articleId}`)).body.text as string);
}

/** Requests against the server at `base()`, read when called: IRIs are minted from its public origin. */
export function w3cRequests(base: () => string) {
  const pathOf = (iri: string) => iri.slice(base().length);
  const onArticle = (doc: unknown, articleId: string) =>
    JSON.parse(JSON.stringify(doc ?? null).replaceAll(JSON.stringify(ARTICLE), JSON.stringify(`${base()}/articles/${articleId}`)));

  async function postW3C(client: TestClient, articleId: string, doc: unknown, headers: Record<string, string> = {}) {
    const res = await client.request("POST", container(articleId), JSON.stringify(onArticle(doc, articleId)), { "content-type": LD, ...headers });
    if (res.status === 201) assertW3CAnnotation(res.body);
    return res;
  }
  const putW3C = (client: TestClient, iri: string, doc: unknown, headers: Record<string, string> = {}) =>
    client.request("PUT", pathOf(iri), JSON.stringify(onArticle(doc, iri.split("/").at(-2)!)), { "content-type": LD, ...headers });

  /** Every annotation id of a container, following `next` from the first page; checks each page on the way. */
  async function walk(client: TestClient, first: string): Promise<{ ids: string[]; pages: Reply[] }> {
    const ids: string[] = [];
    const pages: Reply[] = [];
    for (let next: string | undefined = first; next; ) {
      const page: Reply = await client.get(pathOf(next));
      expect(page.status).toBe(200);
      assertW3CPage(page.body);
      pages.push(page);
      ids.push(...page.body.items.map((i: { id: string }) => i.id));
      next = page.body.next;
    }
    return { ids, pages };
  }
  return { pathOf, onArticle, postW3C, putW3C, walk };
}

/**
 * A file's test app, listening on a port (the IRIs it mints name its origin), and the requests above against
 * it: `server.t` and `server.url` are set once the file's tests start.
 */
export function listeningW3CServer() {
  const server = { t: undefined as unknown as TestApp, url: "" };
  beforeAll(async () => {
    server.t = await createTestApp();
    server.url = await server.t.listen();
  });
  afterAll(() => server.t.close());
  return Object.assign(server, w3cRequests(() => server.url));
}
