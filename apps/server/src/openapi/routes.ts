import { createRequire } from "node:module";
import path from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { type Operation, documented, ok } from "./describe.ts";
import { buildOpenApiDocument } from "./document.ts";
import { openApiSchema } from "./schemas/formats.ts";

// Swagger UI's files come from its npm package, so the docs page needs no network.
const SWAGGER_DIR = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Marginalia API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body></html>`;

/** Mounted at /api: the OpenAPI document of the operations given (read when first asked) and a page to read it. */
export function openApiRoutes(operations: () => Operation[]) {
  let document: ReturnType<typeof buildOpenApiDocument> | null = null;
  return new Hono<AppEnv>()
    .get("/openapi.json", documented({ tag: "meta", summary: "This document", auth: false, responses: ok("OpenAPI 3.1"), schemas: { 200: openApiSchema } }), (c) => c.json((document ??= buildOpenApiDocument(operations(), c.get("deps").config.publicOrigin))))
    .get("/docs", documented({ tag: "meta", summary: "This document as a page", auth: false, responses: ok("HTML"), produces: ["text/html"] }), (c) => c.html(DOCS_PAGE))
    // A file rather than an inline script, so that the page works under a strict CSP.
    .get("/docs/init.js", documented({ tag: "meta", summary: "The docs page's script", auth: false, responses: ok("JavaScript"), produces: ["text/javascript"] }), (c) =>
      c.body('SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#docs" });', 200, {
        "content-type": "text/javascript; charset=utf-8",
      }),
    )
    .get(
      "/docs/assets/*",
      serveStatic({
        root: path.relative(process.cwd(), SWAGGER_DIR),
        rewriteRequestPath: (p) => p.replace(/^\/api\/docs\/assets/, ""),
      }),
    );
}
