import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "../support/app.ts";
import { blockText } from "../support/fixtures.ts";
import { makeLongPdf, makePdf, makeScannedPdf } from "../support/pdf.ts";

/** A news page as sites serve it: the story among navigation, a related-posts box and a footer. */
const STORY = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Dam levels fall for a third year | The Riverside Courier</title>
<meta name="author" content="Leila Farahani"></head>
<body>
<header><a href="/">The Riverside Courier</a><nav><a href="/world">World</a> <a href="/sport">Sport</a> <a href="/login">Sign in</a></nav></header>
<main><article>
<h1>Dam levels fall for a third year</h1>
<p class="byline">By Leila Farahani</p>
<p>Reservoirs in the province held less water this autumn than in any year since records began, according to figures released by the regional water authority on Tuesday.</p>
<p>Officials blamed a dry winter and rising demand from farms, while independent hydrologists said leaks in the distribution network account for a large share of the losses.</p>
<p>The authority said rationing would continue in the capital until the spring rains, and asked households to cut their use by a fifth.</p>
</article>
<aside class="related-posts"><h2>Related posts</h2><ul><li><a href="/a">Farmers protest water quotas</a></li><li><a href="/b">Ten ways to save water at home</a></li></ul></aside>
</main>
<footer><p>© The Riverside Courier. All rights reserved. Contact us · Privacy policy · Terms</p></footer>
</body></html>`;

/** Pages in legacy charsets: one named by its header, one by its markup. */
const LEGACY = {
  latin1: "Café society met über-naïve critics at the façade of the old theatre, and argued past midnight.",
  cyrillic: "Переговоры в Москве шли долго, и стороны договорились встретиться снова весной.",
};
/** windows-1251's Cyrillic: А–я sit at 0xC0–0xFF, Ё at 0xA8, ё at 0xB8. */
const WINDOWS_1251 = new Map<string, number>([
  ...Array.from({ length: 64 }, (_, i) => [String.fromCharCode(0x410 + i), 0xc0 + i] as [string, number]),
  ["Ё", 0xa8],
  ["ё", 0xb8],
]);

let pdfOnline: Uint8Array;
let site: http.Server;
let base: string;
let open: TestApp;
let guarded: TestApp;

beforeAll(async () => {
  pdfOnline = await makePdf([[["A report published as a PDF, served by a website with its own type."]]]);
  site = http.createServer((req, res) => {
    if (req.url === "/story") return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(STORY);
    if (req.url === "/short/1") return res.writeHead(301, { location: "/story" }).end();
    if (req.url === "/report.pdf") return res.writeHead(200, { "content-type": "application/pdf" }).end(pdfOnline);
    if (req.url === "/latin1") return res.writeHead(200, { "content-type": "text/plain; charset=iso-8859-1" }).end(Buffer.from(LEGACY.latin1, "latin1"));
    if (req.url === "/cyrillic") {
      const page = `<html><head><meta charset="windows-1251"><title>x</title></head><body><article><p>${LEGACY.cyrillic}</p></article></body></html>`;
      return res.writeHead(200, { "content-type": "text/html" }).end(Buffer.from([...page].map((ch) => WINDOWS_1251.get(ch) ?? ch.charCodeAt(0))));
    }
    if (req.url === "/empty") return res.writeHead(200, { "content-type": "text/html" }).end("<html><body><nav>Home</nav></body></html>");
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  open = await createTestApp({ env: { IMPORT_ALLOW_PRIVATE_URLS: "true" } });
  guarded = await createTestApp({ database: open.database });
});
afterAll(async () => {
  await guarded.stop();
  await open.close();
  await new Promise((resolve) => site.close(resolve));
});

async function desk(t: TestApp) {
  const owner = await signUp(t.app, "Importer");
  const group = await createGroup(owner, "Imports");
  return { owner, group, path: `/api/groups/${group.id}/articles` };
}

type Block = { kind: string; start: number; end: number; page?: number; level?: number };
const texts = (body: { text: string; blocks: Block[] }, kind?: string) =>
  body.blocks.filter((b) => !kind || b.kind === kind).map((b) => blockText(body.text, b));

describe("import from a URL", () => {
  it("keeps the story and drops navigation, related posts and footer; records title, byline and the page's address", async () => {
    const { owner, path } = await desk(open);
    const res = await owner.post(path, { url: `${base}/short/1` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: "Dam levels fall for a third year", byline: "Leila Farahani", sourceUrl: `${base}/story` });
    expect(texts(res.body, "paragraph")).toHaveLength(3);
    expect(texts(res.body, "paragraph")[0]).toMatch(/^Reservoirs in the province/);
    for (const chrome of ["Sign in", "Sport", "Related posts", "Farmers protest", "All rights reserved", "Riverside Courier"]) {
      expect(res.body.text, chrome).not.toContain(chrome);
    }
    const revisions = await owner.get(`/api/articles/${res.body.id}/revisions`);
    expect(revisions.body.revisions[0].format).toBe("html");
  });

  it("reads a page in the charset its header or its markup names", async () => {
    const { owner, path } = await desk(open);
    const latin1 = await owner.post(path, { url: `${base}/latin1`, title: "Latin-1" });
    expect(latin1.status).toBe(201);
    expect(latin1.body.text).toContain(LEGACY.latin1);
    const cyrillic = await owner.post(path, { url: `${base}/cyrillic`, title: "Cyrillic" });
    expect(cyrillic.status).toBe(201);
    expect(cyrillic.body.text).toContain(LEGACY.cyrillic);
  });

  it("corrects an article from a URL or a PDF as a new revision, keeping its title", async () => {
    const { owner, path } = await desk(open);
    const made = await owner.post(path, { format: "text", content: "Dam levels fall.\n\nA first draft of the story.", title: "Dams" });
    const fromUrl = await owner.put(`/api/articles/${made.body.id}/text`, { url: `${base}/story` });
    expect(fromUrl.status).toBe(201);
    expect(fromUrl.body).toMatchObject({ title: "Dams", revision: 2 });
    expect(fromUrl.body.text).toContain("Reservoirs in the province");
    const form = new FormData();
    form.set("file", new File([await makePdf([[["The corrected story, as the PDF prints it."]]])], "fix.pdf", { type: "application/pdf" }));
    const fromPdf = await owner.put(`/api/articles/${made.body.id}/text`, form);
    expect(fromPdf.status).toBe(201);
    expect(fromPdf.body).toMatchObject({ title: "Dams", revision: 3, text: "The corrected story, as the PDF prints it." });
  });

  it("reads a PDF the URL answers with, and names the URL when a page holds no article", async () => {
    const { owner, path } = await desk(open);
    const pdf = await owner.post(path, { url: `${base}/report.pdf`, title: "Given title" });
    expect(pdf.status).toBe(201);
    expect(pdf.body.title).toBe("Given title");
    expect(pdf.body.blocks.map((b: Block) => b.page)).toEqual([1]);
    const empty = await owner.post(path, { url: `${base}/empty` });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: "source_unreadable", field: "url" });
    const missing = await owner.post(path, { url: `${base}/nowhere` });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toMatch(/answered 404/);
  });

  it("is refused for loopback, private and metadata addresses unless IMPORT_ALLOW_PRIVATE_URLS is set, storing nothing", async () => {
    const { owner, path } = await desk(guarded);
    for (const [url, reason] of [[`${base}/story`, /loopback/], ["http://10.0.0.7/story", /private/], ["http://169.254.169.254/latest/meta-data/", /metadata/]] as const) {
      const res = await owner.post(path, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe("address_not_public");
      expect(res.body.error.field, url).toBe("url");
      expect(res.body.error.message, url).toMatch(reason);
    }
    for (const url of ["ftp://example.org/a", "not a url", "file:///etc/passwd"]) {
      const res = await owner.post(path, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.field, url).toBe("url");
    }
    expect((await owner.get(path)).body.articles).toEqual([]);
  });
});

describe("import a PDF", () => {
  it("joins a paragraph's lines, keeps each block's page, finds the title and headings, drops page numbers", async () => {
    const { owner, path } = await desk(open);
    const bytes = await makePdf(
      [
        [
          [{ text: "Water in the Delta", size: 22 }],
          ["The delta has lost a third of its wetlands since 1990, a loss", "that satellite images from three agencies con-", "firm independently."],
          ["A second paragraph stands on its own line."],
          ["1"],
        ],
        [[{ text: "Methods", size: 16 }], ["We compared the images year by year.", "Each year took a week."], ["2"]],
      ],
      { author: "Delta Research Group" },
    );
    const form = new FormData();
    form.set("file", new File([bytes], "delta.pdf", { type: "application/pdf" }));
    const res = await owner.post(path, form);
    expect(res.status).toBe(201);
    expect(res.body.title).toBe("Water in the Delta");
    expect(res.body.byline).toBe("Delta Research Group");
    expect(texts(res.body, "paragraph")).toEqual([
      "The delta has lost a third of its wetlands since 1990, a loss that satellite images from three agencies confirm independently.",
      "A second paragraph stands on its own line.",
      "We compared the images year by year. Each year took a week.",
    ]);
    expect(texts(res.body, "heading")).toEqual(["Methods"]);
    expect(res.body.blocks.map((b: Block) => [b.kind, b.page])).toEqual([
      ["title", 1],
      ["paragraph", 1],
      ["paragraph", 1],
      ["heading", 2],
      ["paragraph", 2],
    ]);
    const read = await owner.get(`/api/articles/${res.body.id}`);
    expect(read.body.blocks).toEqual(res.body.blocks);
  });

  it("takes a raw application/pdf body, with metadata in the query string", async () => {
    const { owner, path } = await desk(open);
    const bytes = await makePdf([[["Just one sentence in this PDF."]]]);
    const res = await owner.post(`${path}?title=Raw%20upload`, bytes, { "content-type": "application/pdf" });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe("Raw upload");
    expect(res.body.text).toBe("Just one sentence in this PDF.");
  });

  it("refuses a scan, a PDF over the page limit and a file that is not a PDF, naming the field and storing nothing", async () => {
    const { owner, path } = await desk(open);
    const upload = (bytes: Uint8Array, name = "doc.pdf") => {
      const form = new FormData();
      form.set("file", new File([bytes], name, { type: "application/pdf" }));
      return owner.post(path, form);
    };
    const scan = await upload(await makeScannedPdf(2));
    expect(scan.status).toBe(422);
    expect(scan.body.error).toMatchObject({ code: "pdf_without_text", field: "file" });
    const long = await upload(await makeLongPdf(501));
    expect(long.status).toBe(413);
    expect(long.body.error.message).toMatch(/501 pages; at most 500/);
    const junk = await upload(new TextEncoder().encode("%PDF-1.7 this is not really a PDF"));
    expect(junk.status).toBe(400);
    expect(junk.body.error).toMatchObject({ code: "validation_failed", field: "file" });
    expect((await owner.get(path)).body.articles).toEqual([]);
  });
});
