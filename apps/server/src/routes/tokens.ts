import { Hono } from "hono";
import { apiTokenInsertSchema } from "@marginalia/schema";
import { createApiToken, listApiTokens, revokeApiToken } from "../auth/api-tokens.ts";
import { type AppEnv, requireUser } from "../context.ts";
import { notFound } from "../errors.ts";
import { readJson } from "../http/input.ts";

export const createTokenSchema = apiTokenInsertSchema.pick({ name: true }).strict();

export const tokenRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const user = requireUser(c);
    const { name } = await readJson(c, createTokenSchema);
    // The token is shown this once; only its hash is kept.
    return c.json(await createApiToken(c.get("deps").db, user.id, name), 201);
  })
  .get("/", async (c) => {
    const user = requireUser(c);
    return c.json({ tokens: await listApiTokens(c.get("deps").db, user.id) });
  })
  .delete("/:tokenId", async (c) => {
    const user = requireUser(c);
    const tokenId = c.req.param("tokenId");
    const revoked = await revokeApiToken(c.get("deps").db, user.id, tokenId);
    if (!revoked) throw notFound("Token");
    c.get("deps").hub.access({ kind: "tokens-revoked", tokenIds: [tokenId] });
    return c.body(null, 204);
  });
