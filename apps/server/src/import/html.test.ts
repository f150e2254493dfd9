import { describe, expect, it } from "vitest";
import { importArticle } from "./index.ts";
import { expectWellFormed, textsOf } from "./testing.ts";

const LONG = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.";

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Rivers in Flood | The Daily Example</title>
  <meta name="author" content="Jane Doe">
  <style>body { color: red } .secret-style-rule { display: none }</style>
  <script>window.trackingSecret = "script in head";</script>
</head>
<body>
  <nav class="site-nav"><a href="/">Home</a> <a href="/world">World navigation link</a></nav>
  <header class="site-header"><div class="logo">The Daily Example</div></header>
  <main>
    <article>
      <h1>Rivers in Flood</h1>
      <p class="byline">By Jane Doe</p>
      <p>Rivers flood when more water arrives than their
         channels can carry. ${LONG}<script>alert(1)</script> Water&nbsp;levels &amp; &ldquo;gauges&rdquo; tell.</p>
      <figure>
        <img src="river.jpg" alt="" onerror="alert('img')">
        <figcaption>A swollen river at dusk. Photo: J. Doe</figcaption>
      </figure>
      <h2>Causes</h2>
      <p onclick="alert('click')">Heavy rain and snow melt are the usual causes. ${LONG}</p>
      <ul><li>Heavy <em>rain</em></li><li>Snow melt</li></ul>
      <blockquote><p>Water always finds a way. ${LONG}</p></blockquote>
      <h3>Local effects</h3>
      <p>Roads close and fields drown for weeks at a time. ${LONG}</p>
      <h2>References</h2>
      <ol><li>Doe, J. (2020) Floods.</li><li>Roe, R. (2021) Rivers.</li></ol>
    </article>
  </main>
  <aside class="sidebar"><h3>Most read</h3><p>Sidebar teaser text</p></aside>
  <footer class="site-footer"><p>Copyright footer text</p></footer>
  <script>document.write("script at the end")</script>
</body>
</html>`;

describe("html", () => {
  const article = importArticle({ format: "html", content: PAGE });

  it("takes title and byline from Readability, without the site name", () => {
    expect(article.title).toBe("Rivers in Flood");
    expect(article.byline).toBe("Jane Doe");
    expect(article.blocks.slice(0, 2).map((b) => b.kind)).toEqual(["title", "byline"]);
    // The title heading and the byline paragraph are not repeated from the content.
    expect(article.text.match(/Rivers in Flood/g)).toHaveLength(1);
    expect(article.text.match(/Jane Doe/g)).toHaveLength(1);
  });

  it("reads headings, paragraphs, the caption, list items and quotes", () => {
    expect(textsOf(article, "heading")).toEqual(["Causes", "Local effects", "References"]);
    expect(article.blocks.filter((b) => b.kind === "heading").map((b) => b.level)).toEqual([2, 3, 2]);
    expect(textsOf(article, "caption")).toEqual(["A swollen river at dusk. Photo: J. Doe"]);
    expect(textsOf(article, "paragraph")).toHaveLength(3);
    expect(textsOf(article, "list-item")).toEqual(["Heavy rain", "Snow melt"]);
    expect(textsOf(article, "quote")).toHaveLength(1);
    expect(textsOf(article, "reference")).toEqual(["Doe, J. (2020) Floods.", "Roe, R. (2021) Rivers."]);
  });

  it("decodes entities, reflows source line breaks and drops the inline script", () => {
    const [first] = textsOf(article, "paragraph");
    expect(first).toMatch(/^Rivers flood when more water arrives than their channels can carry\. Lorem/);
    expect(first).toMatch(/aliqua\. Water\u00A0levels & “gauges” tell\.$/);
  });

  it("leaves no script, style, navigation, sidebar, footer or handler in the text", () => {
    for (const junk of [
      "alert", "script", "trackingSecret", "color: red", "secret-style-rule", "navigation link",
      "Sidebar teaser", "Most read", "Copyright", "onclick", "onerror", "<", "The Daily Example",
    ]) {
      expect(article.text).not.toContain(junk);
    }
  });

  it("produces well-formed code-point offsets", () => {
    expectWellFormed(article);
  });

  it("reads CRLF the same as LF", () => {
    expect(importArticle({ format: "html", content: PAGE.replace(/\n/g, "\r\n") })).toEqual(article);
  });

  it("reads a small fragment, taking its h1 as the title and a .byline element as the byline", () => {
    const fragment = `<h1>Short note</h1><div class="byline">By Sam Roe</div>
      <p>Hello <b>world</b> 🌍 and <script>alert(1)</script>goodbye.</p><style>p{}</style>`;
    const small = importArticle({ format: "html", content: fragment });
    expectWellFormed(small);
    expect(small.title).toBe("Short note");
    expect(small.byline).toBe("Sam Roe");
    expect(small.blocks.map((b) => b.kind)).toEqual(["title", "byline", "paragraph"]);
    expect(textsOf(small, "paragraph")).toEqual(["Hello world 🌍 and goodbye."]);
    expect(small.text).not.toMatch(/alert|p\{\}/);
  });

  it("keeps the text of MathML and SVG, never their markup: a formula's alt text or annotation, else its characters", () => {
    const read = (html: string) => textsOf(importArticle({ format: "html", content: `<h1>Physics</h1><p>${html}</p>` }), "paragraph")[0];
    const emc2 = `<mi>E</mi>\n <mo>=</mo> <mi>m</mi><msup><mi>c</mi><mn>2</mn></msup>`;
    expect(read(`Einstein wrote <math>${emc2}</math> in 1905.`)).toBe("Einstein wrote E=mc2 in 1905.");
    expect(read(`Einstein wrote <math alttext="E = mc^2">${emc2}</math> in 1905.`)).toBe("Einstein wrote E = mc^2 in 1905.");
    const annotated = `<math><semantics><mrow>${emc2}</mrow><annotation encoding="application/x-tex">E=mc^{2}</annotation></semantics></math>`;
    expect(read(`Einstein wrote ${annotated} in 1905.`)).toBe("Einstein wrote E=mc^{2} in 1905.");
    expect(read(`Let <math><mi>x</mi><mtext> if and only if </mtext><mi>y</mi></math>.`)).toBe("Let x if and only if y.");
    const chart = `<svg viewBox="0 0 10 10"><title>Rainfall by month</title><desc>ignored</desc><script>alert(1)</script><rect/><text x="1">Jan<tspan> 40 mm</tspan></text><text>Feb 55 mm</text></svg>`;
    expect(read(`See ${chart} below.`)).toBe("See Rainfall by month Jan 40 mm Feb 55 mm below.");
    expect(read(`A <math alttext="&lt;b&gt;x&lt;/b&gt;"><mi>x</mi></math> stays text.`)).toBe("A <b>x</b> stays text.");
  });
});
