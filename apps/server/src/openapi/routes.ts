import { createRequire } from "node:module";
import path from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { buildOpenApiDocument } from "./document.ts";

// Swagger UI's files come from its npm package, so the docs page needs no network.
const SWAGGER_DIR = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Marginalia API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body></html>`;

/** Mounted at /api: the OpenAPI document and a page to read it. */
export function openApiRoutes() {
  let document: ReturnType<typeof buildOpenApiDocument> | null = null;
  return new Hono<AppEnv>()
    .get("/openapi.json", (c) => c.json((document ??= buildOpenApiDocument(c.get("deps").config.publicOrigin))))
    .get("/docs", (c) => c.html(DOCS_PAGE))
    // A file rather than an inline script, so that the page works under a strict CSP.
    .get("/docs/init.js", (c) =>
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
