/**
 * Bodies in formats we do not own, as JSON Schema: open objects that name the fields their consumers
 * need, since JSON-LD may carry any term its context defines.
 */

const jsonLd = (type: string, required: string[]) => ({
  type: "object",
  required: ["@context", "id", "type", ...required],
  properties: {
    "@context": { anyOf: [{ type: "string" }, { type: "array" }] },
    id: { type: "string", format: "uri" },
    type: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
  },
  description: `${type}, as JSON-LD with the anno.jsonld context: any term the context defines may appear`,
});

export const w3cAnnotationSchema = jsonLd("A W3C Web Annotation", ["target"]);
export const w3cContainerSchema = jsonLd("An annotation container: a Basic Container that is an AnnotationCollection", ["total"]);
export const w3cPageSchema = jsonLd("An AnnotationPage of the container", ["items", "partOf"]);
const w3cCollectionSchema = jsonLd("An AnnotationCollection of the annotations exported", ["total"]);

/** schema.org ClaimReview as fact-check consumers read it (docs/claimreview.md); export/claimreview-check.ts holds the full rules. */
const claimReviewsSchema = {
  type: "object",
  required: ["@context", "@graph"],
  properties: {
    "@context": { const: "https://schema.org" },
    "@graph": {
      type: "array",
      items: {
        type: "object",
        required: ["@type", "url", "claimReviewed", "reviewRating", "itemReviewed", "author", "datePublished"],
        properties: {
          "@type": { const: "ClaimReview" },
          url: { type: "string", format: "uri" },
          claimReviewed: { type: "string" },
          reviewRating: { type: "object", required: ["@type", "alternateName"] },
          itemReviewed: { type: "object", required: ["@type", "appearance"] },
          author: { type: "object", required: ["@type", "name"] },
          datePublished: { type: "string", format: "date" },
        },
      },
    },
  },
  description: "ClaimReview JSON-LD: the published fact-checks, one ClaimReview each",
};

/** `format=w3c` or `format=claimreview`. */
export const exportLdSchema = { anyOf: [w3cCollectionSchema, claimReviewsSchema] };

export const openApiSchema = {
  type: "object",
  required: ["openapi", "info", "paths"],
  properties: { openapi: { const: "3.1.0" }, info: { type: "object", required: ["title", "version"] }, paths: { type: "object" } },
  description: "An OpenAPI 3.1 document",
};
