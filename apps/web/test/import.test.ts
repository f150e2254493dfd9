import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePdf } from "../../server/test/support/pdf.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { signUpApi } from "./support/flows.ts";

/** A page as a news site serves it: the story between a menu, a related-posts box and a footer. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Grain prices double | Valley Times</title></head><body>
<nav><a href="/">Home</a> <a href="/subscribe">Subscribe to the Valley Times</a></nav>
<article><h1>Grain prices double</h1><p class="byline">By Omid Rahimi</p>
<p>The price of wheat in the valley's markets has doubled since the summer, traders said, after a poor harvest and a rise in the cost of fuel for the mills.</p>
<p>The ministry of agriculture said imports would arrive before the winter, but did not say how much grain had been bought or from where.</p></article>
<aside class="related"><h2>Related posts</h2><p><a href="/x">Bakers strike over flour</a></p></aside>
<footer>Valley Times · All rights reserved</footer></body></html>`;

announceSkip("import from a link and a PDF");

describe.skipIf(skipBrowserSuites)("importing from a link and a PDF, in Chromium", () => {
  // The page to import is served from this machine, which the address guard would refuse.
  const suite = chromiumSuite({ IMPORT_ALLOW_PRIVATE_URLS: "true" });
  let site: http.Server;
  let pageUrl: string;
  beforeAll(async () => {
    site = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE));
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    pageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/news/grain`;
  });
  afterAll(() => new Promise((resolve) => site.close(resolve)));

  it("a moderator imports a story from its link, and a PDF whose page breaks the reader marks", async () => {
    const { context, page, errors } = await newUserPage(suite.browser);
    await signUpApi(context, suite.base, "Importer");
    const group = await (await context.request.post(`${suite.base}/api/groups`, { data: { name: "Link desk" } })).json();
    await page.goto(`${suite.base}/groups/${group.id}`);
    // The group's article list has loaded: nothing above the form moves after this.
    await page.getByText("No articles yet.").waitFor();

    await page.getByRole("radio", { name: "From a link" }).check();
    await page.getByLabel("Link to the article").fill(pageUrl);
    await screenshot(page, "import-from-a-link");
    await page.getByRole("button", { name: "Import article" }).click();
    await page.getByRole("heading", { level: 1, name: "Grain prices double" }).waitFor();
    const article = page.getByRole("article", { name: "Article" });
    expect(await article.textContent()).toContain("The price of wheat in the valley's markets has doubled");
    for (const chrome of ["Subscribe", "Related posts", "Bakers strike", "All rights reserved"]) expect(await article.textContent()).not.toContain(chrome);

    await page.goto(`${suite.base}/groups/${group.id}`);
    await page.getByRole("link", { name: "Grain prices double" }).waitFor();
    await page.getByRole("radio", { name: "Upload a file" }).check();
    const pdf = await makePdf([[["Prices on the first page of the report."]], [["Prices on the second page of the report."]]], { title: "Market report" });
    await page.getByLabel("Article file (.txt, .md, .html, .pdf)").setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: Buffer.from(pdf) });
    await page.getByRole("button", { name: "Import article" }).click();
    await page.getByText("Prices on the second page of the report.").waitFor();
    const marker = page.getByRole("separator", { name: "Page 2" });
    expect(await marker.count()).toBe(1);
    // The marker's label is drawn, not written: the article's text stays the PDF's.
    expect(await marker.textContent()).toBe("");
    await screenshot(page, "reader-pdf-page-marker");
    expect(errors).toEqual([]);
  }, 90_000);
});
