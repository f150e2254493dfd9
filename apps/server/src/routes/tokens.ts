import { Hono } from "hono";
import { apiTokenInsertSchema } from "@marginalia/schema";
import { TOKEN_SCOPES, createApiToken, listApiTokens, revokeApiToken } from "../auth/api-tokens.ts";
import { z } from "zod";
import { type AppEnv, requireAccountAccess } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { readJson } from "../http/input.ts";
import { created, documented, noContent, ok } from "../openapi/describe.ts";
import { tokenCreatedSchema, tokenListSchema } from "../openapi/schemas/accounts.ts";

export const createTokenSchema = apiTokenInsertSchema
  .pick({ name: true })
  .extend({ scopes: z.array(z.enum(TOKEN_SCOPES)).max(TOKEN_SCOPES.length).optional() })
  .strict();

export const tokenRoutes = new Hono<AppEnv>()
  .post("/", documented({ tag: "auth", summary: "Create an API token (shown once); a token needs the tokens scope to do this", body: createTokenSchema, responses: { ...created("The token"), 401: "Not signed in, or the session or token ended meanwhile", 403: "Called with a token without the tokens scope" }, schemas: { 201: tokenCreatedSchema } }), async (c) => {
    const auth = requireAccountAccess(c, "tokens");
    const { name, scopes = [] } = await readJson(c, createTokenSchema);
    const minter = auth.via === "session" ? { sessionId: auth.sessionId } : { tokenId: auth.tokenId };
    const token = await createApiToken(c.get("deps").db, auth.user.id, name, [...new Set(scopes)], minter);
    if (!token) throw new ApiError("unauthenticated", "The session ended, or the token was revoked, while the token was being made");
    // The token is shown this once; only its hash is kept.
    return c.json(token, 201);
  })
  .get("/", documented({ tag: "auth", summary: "List your live API tokens; a token needs the tokens scope to do this", responses: { ...ok("Tokens, without secrets"), 403: "Called with a token without the tokens scope" }, schemas: { 200: tokenListSchema } }), async (c) => {
    // A token without the scope would learn every other token's id, name and last use.
    const { user } = requireAccountAccess(c, "tokens");
    return c.json({ tokens: await listApiTokens(c.get("deps").db, user.id) });
  })
  .delete("/:tokenId", documented({ tag: "auth", summary: "Revoke an API token and every token minted with it; closes their open sockets", responses: { ...noContent, 403: "Called with a token without the tokens scope" } }), async (c) => {
    const { user } = requireAccountAccess(c, "tokens");
    const tokenId = c.req.param("tokenId");
    const revoked = await revokeApiToken(c.get("deps").db, user.id, tokenId);
    if (!revoked.length) throw notFound("Token");
    c.get("deps").hub.access({ kind: "tokens-revoked", tokenIds: revoked });
    return c.body(null, 204);
  });
