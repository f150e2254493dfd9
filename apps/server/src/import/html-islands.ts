/** The slice of linkedom's DOM that the islands are read from. */
type Element = {
  nodeType: number;
  nodeName: string;
  childNodes: Iterable<Element>;
  textContent: string | null;
  parentNode: Element | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<Element>;
  replaceWith(node: unknown): void;
};
type Doc = { createTextNode(text: string): unknown; querySelectorAll(selector: string): Iterable<Element> };

const TEXT_NODE = 3;

/**
 * MathML and SVG in a page, each replaced by the text a reader of it sees, as a text node: sanitize-html
 * drops both whole with their text (their markup is no article's), and "Einstein wrote E=mc² in 1905"
 * was stored as "Einstein wrote  in 1905" (docs/architecture.md, "Importing"). A formula reads as its
 * `alttext`, else its annotation (often its TeX), else its characters; a drawing as its title and the
 * text it draws. Run before Readability, which scores paragraphs by their text.
 */
export function keepIslandText(document: Doc): void {
  for (const math of [...document.querySelectorAll("math")]) math.replaceWith(document.createTextNode(mathText(math)));
  for (const svg of [...document.querySelectorAll("svg")]) if (svg.parentNode) svg.replaceWith(document.createTextNode(svgText(svg)));
}

function mathText(math: Element): string {
  const alt = math.getAttribute("alttext")?.trim();
  if (alt) return alt;
  const annotation = [...math.querySelectorAll("annotation")].map((a) => a.textContent?.trim() ?? "").find(Boolean);
  return annotation ?? tokens(math);
}

/**
 * A formula's characters. Whitespace between its elements is layout, not text: only `mtext` keeps its
 * own, since "x if and only if y" is written with it.
 */
function tokens(node: Element): string {
  const spaced = node.nodeName.toLowerCase() === "mtext";
  let text = "";
  for (const child of node.childNodes) {
    const name = child.nodeName.toLowerCase();
    if (child.nodeType === TEXT_NODE) text += spaced ? (child.textContent ?? "") : (child.textContent ?? "").trim();
    else if (name !== "annotation" && name !== "annotation-xml") text += tokens(child);
  }
  return text;
}

function svgText(svg: Element): string {
  const title = [...svg.querySelectorAll("title")][0]?.textContent?.trim();
  const drawn = [...svg.querySelectorAll("text")].map((t) => t.textContent?.replace(/\s+/g, " ").trim() ?? "");
  return [title, ...drawn].filter(Boolean).join(" ");
}
