/**
 * The W3C Web Annotation Data Model's MUSTs (https://www.w3.org/TR/annotation-model/), as a checker that
 * lists what a JSON-LD document breaks. Written from the spec rather than from our mapping, so that tests
 * (ours and the exports') catch a mapping that drifts from it. Only the parts Marginalia emits are deep-checked:
 * TextualBody, SpecificResource with Text*Selectors, Person agents, collections and pages.
 */

export const ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld";

/** oa:Motivation instances (model §3.3.5). */
export const OA_MOTIVATIONS = [
  "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
  "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging",
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const many = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const types = (v: unknown): unknown[] => many(isObject(v) ? v.type : undefined);
// No control characters (RFC 3987, section 2.2), which `\s` covers only in part.
const isIri = (v: unknown) => typeof v === "string" && /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\p{Cc}<>"{}|\\^`]*$/u.test(v);
// xsd:dateTime, with the timezone the model asks for (§3.3.6: "SHOULD be expressed in the UTC").
const isDateTime = (v: unknown) =>
  typeof v === "string" && /^-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;

function checkContext(doc: Json, where: string, problems: string[]) {
  const ctx = doc["@context"];
  if (ctx === undefined) return problems.push(`${where}: @context is missing`);
  if (Array.isArray(ctx)) {
    if (ctx.length < 2) problems.push(`${where}: a single @context must be a string, not an array`);
    if (ctx[0] !== ANNO_CONTEXT) problems.push(`${where}: ${ANNO_CONTEXT} must be the first @context`);
  } else if (ctx !== ANNO_CONTEXT) problems.push(`${where}: @context must include ${ANNO_CONTEXT}`);
}

/**
 * Every compact IRI (`mg:status`) must use a prefix some context defines, or a JSON-LD processor reads it
 * as an absolute IRI with the scheme `mg:`. Prefixes anno.jsonld itself defines are allowed.
 */
const ANNO_PREFIXES = ["oa", "dc", "dcterms", "dctypes", "foaf", "rdf", "rdfs", "skos", "xsd", "iana", "owl", "as", "schema", "prov", "ldp"];
function checkTerms(doc: Json, where: string, problems: string[]) {
  const prefixes = new Set(ANNO_PREFIXES);
  for (const c of many(doc["@context"])) if (isObject(c)) for (const k of Object.keys(c)) prefixes.add(k);
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isObject(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const prefix = /^([^@:/][^:/]*):/.exec(k)?.[1];
      if (prefix && !prefixes.has(prefix)) problems.push(`${where}: ${k} uses a prefix no @context defines`);
      if (k !== "@context") walk(child);
    }
  };
  walk(doc);
}

function checkSelector(sel: unknown, where: string, problems: string[]) {
  if (!isObject(sel)) return problems.push(`${where}: a selector must be an object`);
  const [type] = types(sel);
  if (typeof type !== "string") return problems.push(`${where}: a selector must have a type`);
  if (type === "TextQuoteSelector") {
    if (typeof sel.exact !== "string") problems.push(`${where}: TextQuoteSelector needs exact`);
    for (const k of ["prefix", "suffix"]) if (sel[k] !== undefined && typeof sel[k] !== "string") problems.push(`${where}: ${k} must be a string`);
  } else if (type === "TextPositionSelector") {
    if (!isCount(sel.start) || !isCount(sel.end)) problems.push(`${where}: TextPositionSelector needs non-negative integer start and end`);
    else if ((sel.start as number) > (sel.end as number)) problems.push(`${where}: start is after end`);
  }
}

function checkResource(res: unknown, where: string, problems: string[], role: "body" | "target") {
  if (typeof res === "string") {
    if (!isIri(res)) problems.push(`${where}: a ${role} given as a string must be an IRI`);
    return;
  }
  if (!isObject(res)) return problems.push(`${where}: a ${role} must be an IRI or an object`);
  if (res.id !== undefined && !isIri(res.id)) problems.push(`${where}: id must be an IRI`);
  if (res.purpose !== undefined) {
    for (const p of many(res.purpose)) if (!OA_MOTIVATIONS.includes(p as never)) problems.push(`${where}: purpose ${String(p)} is not an oa:Motivation`);
  }
  if (types(res).includes("TextualBody")) {
    if (typeof res.value !== "string") problems.push(`${where}: TextualBody needs a string value`);
  } else if ("source" in res || "selector" in res) {
    if (!isIri(res.source)) problems.push(`${where}: a SpecificResource needs a source IRI`);
    many(res.selector).forEach((s, i) => checkSelector(s, `${where}.selector[${i}]`, problems));
  } else if (res.id === undefined && res.value === undefined) {
    problems.push(`${where}: an external ${role} needs an id`);
  }
}

function checkAgent(agent: unknown, where: string, problems: string[]) {
  for (const [i, a] of many(agent).entries()) {
    if (typeof a === "string") {
      if (!isIri(a)) problems.push(`${where}[${i}]: an agent given as a string must be an IRI`);
    } else if (!isObject(a)) problems.push(`${where}[${i}]: an agent must be an IRI or an object`);
    else {
      if (a.id !== undefined && !isIri(a.id)) problems.push(`${where}[${i}]: id must be an IRI`);
      const t = types(a);
      if (t.length && !t.some((x) => ["Person", "Organization", "Software"].includes(x as string))) problems.push(`${where}[${i}]: unknown agent type`);
    }
  }
}

/** What an Annotation breaks; `embedded` annotations (inside a page) may rely on the page's @context. */
export function annotationProblems(doc: unknown, embedded = false): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ["annotation: not an object"];
  const where = `annotation ${String(doc.id)}`;
  if (!embedded) checkContext(doc, where, problems);
  if (!embedded) checkTerms(doc, where, problems);
  if (!isIri(doc.id)) problems.push(`${where}: id must be an IRI`);
  if (!types(doc).includes("Annotation")) problems.push(`${where}: type must include Annotation`);
  for (const m of many(doc.motivation)) if (!OA_MOTIVATIONS.includes(m as never)) problems.push(`${where}: motivation ${String(m)} is not an oa:Motivation`);
  for (const k of ["created", "modified", "generated"]) if (doc[k] !== undefined && !isDateTime(doc[k])) problems.push(`${where}: ${k} must be an xsd:dateTime`);
  if (doc.creator !== undefined) checkAgent(doc.creator, `${where}.creator`, problems);
  if ("body" in doc && doc.bodyValue !== undefined) problems.push(`${where}: body and bodyValue must not both be present`);
  many(doc.body).forEach((b, i) => checkResource(b, `${where}.body[${i}]`, problems, "body"));
  const targets = many(doc.target);
  if (targets.length === 0) problems.push(`${where}: an annotation needs one or more targets`);
  targets.forEach((t, i) => checkResource(t, `${where}.target[${i}]`, problems, "target"));
  return problems;
}

/** What an AnnotationPage breaks (model §5.2), including its items. */
export function pageProblems(doc: unknown, embedded = false): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ["page: not an object"];
  const where = `page ${String(doc.id)}`;
  if (!embedded) checkContext(doc, where, problems);
  if (!embedded) checkTerms(doc, where, problems);
  if (!isIri(doc.id)) problems.push(`${where}: id must be an IRI`);
  if (!types(doc).includes("AnnotationPage")) problems.push(`${where}: type must be AnnotationPage`);
  if (!Array.isArray(doc.items)) problems.push(`${where}: items must be an array`);
  else for (const item of doc.items) problems.push(...(typeof item === "string" ? (isIri(item) ? [] : [`${where}: item ${item} is not an IRI`]) : annotationProblems(item, true)));
  if (doc.partOf !== undefined) {
    const partOf = doc.partOf;
    if (!isIri(isObject(partOf) ? partOf.id : partOf)) problems.push(`${where}: partOf must be the collection's IRI`);
    if (isObject(partOf) && partOf.total !== undefined && !isCount(partOf.total)) problems.push(`${where}: partOf.total must be a non-negative integer`);
  }
  for (const k of ["next", "prev"]) if (doc[k] !== undefined && !isIri(doc[k])) problems.push(`${where}: ${k} must be an IRI`);
  if (doc.startIndex !== undefined && !isCount(doc.startIndex)) problems.push(`${where}: startIndex must be a non-negative integer`);
  return problems;
}

/** What an AnnotationCollection (or an annotation protocol container) breaks (model §5.1). */
export function collectionProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ["collection: not an object"];
  const where = `collection ${String(doc.id)}`;
  checkContext(doc, where, problems);
  checkTerms(doc, where, problems);
  if (!isIri(doc.id)) problems.push(`${where}: id must be an IRI`);
  if (!types(doc).includes("AnnotationCollection")) problems.push(`${where}: type must include AnnotationCollection`);
  if (doc.total !== undefined && !isCount(doc.total)) problems.push(`${where}: total must be a non-negative integer`);
  if (doc.label !== undefined && typeof doc.label !== "string") problems.push(`${where}: label must be a string`);
  if (isObject(doc.first)) problems.push(...pageProblems(doc.first, true));
  else if (doc.first !== undefined && !isIri(doc.first)) problems.push(`${where}: first must be a page or its IRI`);
  if (doc.last !== undefined && !isIri(isObject(doc.last) ? doc.last.id : doc.last)) problems.push(`${where}: last must be a page IRI`);
  if (doc.total && doc.first === undefined) problems.push(`${where}: a non-empty collection needs a first page`);
  return problems;
}
