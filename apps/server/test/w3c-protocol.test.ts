import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, type TestApp, createTestApp } from "./support/app.ts";
import { type Member, articleWithMembers } from "./support/article.ts";

/**
 * The W3C's test suite for annotation servers (web-platform-tests, annotation-protocol/server), check by
 * check, against an article's container. Each `it` carries the name of the W3C check it ports; "[SHOULD]"
 * marks the suite's recommendations. Where our answer departs on purpose, the test says so and checks
 * what we do instead. docs/w3c.md lists the results.
 *
 * The server is configured with an https origin, as a deployment is: IRIs are minted from it, and the
 * requests go straight to the app.
 */

const ORIGIN = "https://annotations.example";
const MEDIA_TYPE = /^application\/ld\+json/;
const PROFILED = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"';
const CONTAINER_TYPE_LINK = /<http:\/\/www\.w3\.org\/ns\/(ldp#BasicContainer|oa#AnnotationCollection)>; *rel="type"/;
const CONSTRAINED_BY = '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"';
const RESOURCE_TYPE_LINK = /<http:\/\/www\.w3\.org\/ns\/ldp#Resource>; *rel="type"/;
const PREFER = (iri: string) => `return=representation;include="${iri}"`;
const PREFER_MINIMAL = PREFER("http://www.w3.org/ns/ldp#PreferMinimalContainer");
const PREFER_IRIS = PREFER("http://www.w3.org/ns/oa#PreferContainedIRIs");
const PREFER_DESCRIPTIONS = PREFER("http://www.w3.org/ns/oa#PreferContainedDescriptions");

let t: TestApp;
let owner: Member;
let articleIri: string;
/** The container as a client is given it, with a page size that makes the three annotations below span two pages. */
let containerUrl: string;
let annotationPath: string;
const pathOf = (iri: string) => iri.slice(ORIGIN.length);

beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_ORIGIN: ORIGIN } });
  const made = await articleWithMembers(t.app, []);
  owner = made.owner;
  articleIri = `${ORIGIN}/articles/${made.article.id}`;
  containerUrl = `/w3c/articles/${made.article.id}/`;
  for (const [start, end] of [[0, 5], [6, 13], [14, 20]] as const) {
    const created = await owner.request("POST", containerUrl, JSON.stringify(onArticle({ type: "TextPositionSelector", start, end })), { "content-type": PROFILED });
    expect(created.status).toBe(201);
    annotationPath = pathOf(created.body.id);
  }
});
afterAll(() => t.close());

function onArticle(selector: unknown, extra: Record<string, unknown> = {}) {
  return {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    type: "Annotation",
    body: { type: "TextualBody", value: "I like this page!" },
    target: { source: articleIri, selector },
    ...extra,
  };
}
const paged = (url: string) => `${url}?limit=2`;
const post = (doc: unknown) => owner.request("POST", containerUrl, JSON.stringify(doc), { "content-type": "application/ld+json" });

/** Ports one batch of the suite's checks on a single response: one `it` per check. */
function checksOn(response: () => Promise<Reply>, checks: Record<string, (res: Reply) => void>) {
  let res: Promise<Reply>;
  for (const [name, check] of Object.entries(checks)) it(name, async () => check(await (res ??= response())));
}
const header = (res: Reply, name: string) => res.headers.get(name) ?? "";

describe("containers", () => {
  checksOn(() => owner.get(paged(containerUrl)), {
    'Container MUST end in a "/" character': (res) => expect(res.body.id).toMatch(/\/$/),
    "Containers MUST support GET (check Allow on GET)": (res) => expect(header(res, "allow")).toMatch(/GET/),
    "Containers MUST support HEAD (check Allow on GET)": (res) => expect(header(res, "allow")).toMatch(/HEAD/),
    "Containers MUST support OPTIONS (check Allow on GET)": (res) => expect(header(res, "allow")).toMatch(/OPTIONS/),
    "Containers MUST have a Content-Type header with the application/ld+json media type": (res) =>
      expect(header(res, "content-type")).toMatch(MEDIA_TYPE),
    "Containers MUST response with the JSON-LD representation (by default)": (res) => {
      expect(header(res, "content-type")).toMatch(MEDIA_TYPE);
      expect(res.body["@context"][0]).toBe("http://www.w3.org/ns/anno.jsonld");
    },
    "Containers MUST return a description of the container with BasicContainer": (res) => expect(res.body.type).toContain("BasicContainer"),
    "Containers MUST return a description of the container with AnnotationCollection": (res) =>
      expect(res.body.type).toContain("AnnotationCollection"),
    "Containers MUST have an ETag header": (res) => expect(header(res, "etag")).toMatch(/^"[^"]+"$/),
    "Containers MUST have a Vary header with Accept in the value": (res) => expect(header(res, "vary")).toMatch(/Accept/),
    "Containers MUST advertise its type by including a link where the rel parameter value is type and the target IRI is the appropriate Container Type":
      (res) => expect(header(res, "link")).toMatch(CONTAINER_TYPE_LINK),
    "Containers MUST advertise that it imposes Annotation protocol specific constraints (ldp#constrainedBy link)": (res) =>
      expect(header(res, "link")).toContain(CONSTRAINED_BY),
    "Containers MUST include a Content-Location header with the IRI as its value": (res) =>
      expect(header(res, "content-location")).toBe(res.body.id),
    "Container's Content-Location and `id` MUST match": (res) => expect(header(res, "content-location")).toBe(res.body.id),
  });

  it("Containers MUST return a Link header (rfc5988) on all responses", async () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) expect(header(await owner.request(method, containerUrl), "link")).toMatch(CONTAINER_TYPE_LINK);
  });

  it("Containers MUST support HEAD method", async () => {
    const res = await owner.request("HEAD", containerUrl);
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });

  it("Containers MUST support OPTIONS method", async () => {
    const res = await owner.request("OPTIONS", containerUrl);
    expect(res.status).toBe(200);
    expect(header(res, "allow")).toBe("GET, POST, HEAD, OPTIONS");
  });

  it("Containers MUST include Content-Location, matching `id`, under every Prefer variant", async () => {
    for (const prefer of [PREFER_MINIMAL, PREFER_IRIS, PREFER_DESCRIPTIONS, `${PREFER_MINIMAL.slice(0, -1)} http://www.w3.org/ns/oa#PreferContainedIRIs"`]) {
      const res = await owner.get(containerUrl, { prefer });
      expect(res.status).toBe(200);
      expect(header(res, "content-location"), prefer).toBe(`${ORIGIN}${containerUrl}`);
      expect(res.body.id).toBe(`${ORIGIN}${containerUrl}`);
    }
  });

  it("Containers MUST answer with the JSON-LD profile a client asks for, and SHOULD name the profile (content negotiation)", async () => {
    for (const accept of [PROFILED, "application/ld+json", "*/*", "application/json, */*"]) {
      const res = await owner.get(containerUrl, { accept });
      expect(res.status, accept).toBe(200);
      expect(header(res, "content-type"), accept).toBe(PROFILED);
    }
  });
});

describe("annotation pages", () => {
  const container = () => owner.get(paged(containerUrl));

  it("Annotation Pages must have a link to the container they are part of, using the partOf property", async () => {
    const first = await owner.get(pathOf((await container()).body.first.id));
    expect(first.status).toBe(200);
    expect(first.body.partOf.id).toBe(`${ORIGIN}${containerUrl}`);
    expect(header(first, "content-location")).toBe(first.body.id);
  });

  it("Annotation Pages MUST have a link to the previous page in the sequence, using the prev property (if not the first page)", async () => {
    const top = (await container()).body;
    const last = await owner.get(pathOf(top.last));
    // The last page is read from the end (docs/w3c.md, "Pages"): its prev reads back from its first item.
    const prev = await owner.get(pathOf(last.body.prev));
    expect(prev.body.items.length + last.body.items.length).toBe(top.total);
    expect(prev.body.prev).toBeUndefined();
    expect(last.body.next).toBeUndefined();
  });

  it("Annotation Pages MUST have a link to the next page in the sequence, using the next property (if not the last page)", async () => {
    const first = await owner.get(pathOf((await container()).body.first.id));
    const next = await owner.get(pathOf(first.body.next));
    expect(next.body.startIndex).toBe(first.body.items.length);
    expect(next.body.next).toBeUndefined();
    expect(first.body.prev).toBeUndefined();
  });
});

describe("annotations", () => {
  checksOn(() => owner.get(annotationPath), {
    "Annotations MUST support GET (check Allow on GET)": (res) => expect(header(res, "allow")).toMatch(/GET/),
    "Annotations MUST support HEAD (check Allow on GET)": (res) => expect(header(res, "allow")).toMatch(/HEAD/),
    "Annotations MUST support OPTIONS (check Allow on GET)": (res) => expect(header(res, "allow")).toMatch(/OPTIONS/),
    "Annotations MUST have a Content-Type header with the application/ld+json media type": (res) =>
      expect(header(res, "content-type")).toMatch(MEDIA_TYPE),
    "Annotations MUST have a Link header entry where the target IRI is http://www.w3.org/ns/ldp#Resource and the rel parameter value is type":
      (res) => expect(header(res, "link")).toMatch(RESOURCE_TYPE_LINK),
    "Annotations MUST have an ETag header": (res) => expect(header(res, "etag")).toMatch(/^"[^"]+"$/),
    "Annotations MUST have a Vary header with Accept in the value": (res) => expect(header(res, "vary")).toMatch(/Accept/),
  });

  it("Annotations MUST support HEAD method", async () => {
    expect((await owner.request("HEAD", annotationPath)).status).toBe(200);
  });

  it("Annotations MUST support OPTIONS method", async () => {
    const res = await owner.request("OPTIONS", annotationPath);
    expect(res.status).toBe(200);
    expect(header(res, "allow")).toMatch(/PUT/);
  });
});

describe("creating, updating and deleting", () => {
  const canonical = `urn:uuid:${crypto.randomUUID()}`;
  checksOn(() => post(onArticle({ type: "TextQuoteSelector", exact: "Bahrami" }, { canonical })), {
    "Created Annotation MUST have an id property": (res) => expect(res.body.id).toEqual(expect.any(String)),
    "Created Annotation MUST have an id that starts with the Container IRI": (res) =>
      expect(res.body.id.startsWith(`${ORIGIN}${containerUrl}`)).toBe(true),
    "Created Annotation MUST preserve any canonical IRI": (res) => expect(res.body.canonical).toBe(canonical),
    "Annotation Server MUST respond with a 201 Created code if the creation is successful": (res) => expect(res.status).toBe(201),
    "[SHOULD] Location header SHOULD match the id of the new Annotation": (res) => expect(header(res, "location")).toBe(res.body.id),
  });

  it("[SHOULD] copies the id a client sent to `via`, and keeps `canonical` through a GET and a PUT that leaves it out", async () => {
    const via = "https://elsewhere.example/anno/7";
    const created = await post(onArticle({ type: "TextQuoteSelector", exact: "Hamid" }, { id: via, canonical }));
    expect(created.body).toMatchObject({ via, canonical });
    expect(created.body.id).not.toBe(via);
    const { canonical: _, ...withoutCanonical } = created.body;
    const put = await owner.request("PUT", pathOf(created.body.id), JSON.stringify({ ...withoutCanonical, body: { type: "TextualBody", value: "changed" } }), {
      "content-type": PROFILED,
      "if-match": header(created, "etag"),
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ canonical, via, body: { value: "changed" } });
    const changed = await owner.request("PUT", pathOf(created.body.id), JSON.stringify({ ...put.body, canonical: "urn:uuid:other" }), {
      "content-type": PROFILED,
      "if-match": header(put, "etag"),
    });
    expect(changed.status).toBe(400);
    expect(changed.body.error.field).toBe("canonical");
  });

  it("Annotation update must be done with the PUT method (the suite moves the target to another page; we refuse that with 400)", async () => {
    const created = await post(onArticle({ type: "TextQuoteSelector", exact: "Hamid" }));
    const etag = header(created, "etag");
    const moved = await owner.request("PUT", pathOf(created.body.id), JSON.stringify({ ...created.body, target: "http://other.example/" }), {
      "content-type": PROFILED,
      "if-match": etag,
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error).toMatchObject({ code: "validation_failed", field: "target" });
    const retargeted = { ...created.body, target: { source: articleIri, selector: { type: "TextQuoteSelector", exact: "Bahrami" } } };
    const put = await owner.request("PUT", pathOf(created.body.id), JSON.stringify(retargeted), { "content-type": PROFILED, "if-match": etag });
    expect(put.status).toBe(200);
    expect(put.body.target.selector[0]).toMatchObject({ exact: "Bahrami" });
  });

  it("takes the article's IRI however a URL may spell it: the scheme's and host's case, a default port, dot segments", async () => {
    const url = new URL(articleIri);
    const spelled = `${url.protocol.toUpperCase()}//${url.host.toUpperCase()}:443/x/..${url.pathname}`;
    const res = await post({ ...onArticle({ type: "TextQuoteSelector", exact: "Hamid" }), target: { source: spelled, selector: { type: "TextQuoteSelector", exact: "Hamid" } } });
    expect(res.status).toBe(201);
    expect(res.body.target.source).toBe(articleIri);
  });

  it("refuses the suite's own creation payload, whose target is another page, with 400 naming the target", async () => {
    const res = await post({ "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", body: { type: "TextualBody", value: "I like this page!" }, target: "http://www.example.com/index.html", canonical });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", field: "target" });
    expect(res.body.error.message).toContain("http://www.example.com/index.html");
  });

  it("Annotation deletion with DELETE method MUST return a 204 status", async () => {
    const created = await post(onArticle({ type: "TextQuoteSelector", exact: "Hamid" }));
    expect((await owner.delete(pathOf(created.body.id))).status).toBe(204);
  });
});

describe("recommendations", () => {
  it("[SHOULD] Annotation server SHOULD use HTTPS rather than HTTP", async () => {
    expect((await owner.get(containerUrl)).body.id).toMatch(/^https:\/\//);
  });

  checksOn(() => owner.get(paged(containerUrl), { prefer: PREFER_MINIMAL }), {
    "[SHOULD] SHOULD return the full annotation descriptions": async (res) => {
      const first = await owner.get(pathOf(res.body.first));
      expect(first.body.items.length).toBeGreaterThan(0);
      for (const item of first.body.items) expect(item["@context"]).toBeDefined();
    },
    "[SHOULD] SHOULD include the total property with the total number of annotations in the container": (res) =>
      expect(res.body.total).toEqual(expect.any(Number)),
    "[SHOULD] SHOULD have a link to the first page of its contents using `first`": (res) => expect(res.body.first).toEqual(expect.any(String)),
    "[SHOULD] SHOULD have a link to the last page of its contents using `last`": (res) => expect(res.body.last).toEqual(expect.any(String)),
    "[SHOULD] Response contains annotations via `items` when it SHOULD NOT": (res) => expect(res.body).not.toHaveProperty("items"),
    "[SHOULD] Response contains annotations via `ldp:contains` when it SHOULD NOT": (res) => expect(res.body).not.toHaveProperty("ldp:contains"),
    "[SHOULD] SHOULD include Prefer in the Vary header": (res) => expect(header(res, "vary")).toMatch(/Prefer/),
    "[SHOULD] SHOULD NOT [receive] the Prefer header when requesting the page": (res) => expect(res.headers.get("prefer")).toBeNull(),
  });
});
