import type { Operation } from "../openapi/describe.ts";

/**
 * The methods each documented path takes, so that a request with another one
 * is told 405 with `Allow` (RFC 9110, 15.5.6) rather than 404: a W3C client
 * reads a 404 as "no such annotation". Read off the same operations as the
 * OpenAPI document, so it lists what is served.
 */
export function allowedMethods(operations: readonly Operation[]): (path: string) => string[] {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const op of operations) {
    const key = op.path.replace(/\/$/, "");
    let route = routes.get(key);
    if (!route) {
      const literal = key.split(/(:\w+)/).map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
      routes.set(key, (route = { pattern: new RegExp(`^${literal.join("")}/?$`), methods: new Set() }));
    }
    route.methods.add(op.method.toUpperCase());
    if (op.method === "get") route.methods.add("HEAD");
  }
  return (path) => {
    const methods = new Set<string>();
    for (const route of routes.values()) if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    return [...methods].sort();
  };
}
