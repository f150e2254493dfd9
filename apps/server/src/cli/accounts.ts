import { z } from "zod";
import { apiTokenInsertSchema, groupInsertSchema, userInsertSchema } from "@marginalia/schema";
import { createApiToken, revokeApiToken } from "../auth/api-tokens.ts";
import { newPasswordSchema } from "../auth/password.ts";
import { generateSecureRandomString } from "../auth/secrets.ts";
import { createGroup } from "../services/groups.ts";
import { createUser as createAccount, setPassword as storePassword } from "../services/users.ts";
import { CliError, type Parsed, type Runner, optionalStr, str } from "./command.ts";
import { checkArg, userByEmail } from "./support.ts";

// The same rule as sign-up (auth/password.ts): an account made here can log in there.
const password = newPasswordSchema;

/** --password if given (and long enough), else a generated one: 120 bits from the generator API tokens use, easy to copy by hand. */
function choosePassword(args: Parsed): { given: boolean; chosen: string } {
  const given = optionalStr(args, "password");
  return { given: given !== undefined, chosen: given === undefined ? generateSecureRandomString() : checkArg("--password", password, given) };
}

export const createUser: Runner = async (args, ctx) => {
  const email = checkArg("--email", userInsertSchema.shape.email, str(args, "email"));
  const name = checkArg("--name", userInsertSchema.shape.name, str(args, "name"));
  const { given, chosen } = choosePassword(args);
  const user = await createAccount(ctx.db, { email, name, password: chosen });
  await ctx.out(given ? `${user.id}\n` : `${user.id}\n${chosen}\n`);
  ctx.note(
    given
      ? `Created ${user.name} <${user.email}>.`
      : `Created ${user.name} <${user.email}>. The second line is the generated password: it will not be shown again.`,
  );
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Also how an account made by a restore (which has no password) gets its first one.
 *
 * Unlike a change through the API, this revokes the account's API tokens too
 * unless --keep-tokens: an operator sets a password for someone who cannot
 * sign in, often because someone else took the account over, and a token that
 * person minted would otherwise outlast the reset. Keeping them is the
 * deliberate choice, for a routine reset of an account whose scripts must go on.
 */
export const setPassword: Runner = async (args, ctx) => {
  const user = await userByEmail(ctx.db, str(args, "email"));
  const { given, chosen } = choosePassword(args);
  const keepTokens = args.values["keep-tokens"] === true;
  // As a password change through the API does: whoever held a session of the account must sign in again.
  const { sessionIds: ended, tokenIds } = await storePassword(ctx.db, user.id, chosen, { revokeTokens: !keepTokens });
  const revoked = keepTokens ? null : tokenIds;
  if (!given) await ctx.out(`${chosen}\n`);
  const tokens = revoked ? `revoked ${plural(revoked.length, "API token")}` : "kept its API tokens";
  ctx.note(`Set the password of ${user.email}${given ? "" : " (the generated one above: it will not be shown again)"}; ended ${plural(ended.length, "session")}, ${tokens}.`);
};

export const createGroupAs: Runner = async (args, ctx) => {
  const name = checkArg("--name", groupInsertSchema.shape.name, str(args, "name"));
  const moderation = checkArg("--moderation", z.enum(["open", "pre"]), optionalStr(args, "moderation") ?? "open");
  const user = await userByEmail(ctx.db, str(args, "as"));
  const group = await createGroup(ctx.db, user.id, { name, moderation });
  await ctx.out(`${group.id}\n`);
  ctx.note(`Created group "${group.name}" (${group.moderation} moderation), owned by ${user.email}.`);
};

export const createToken: Runner = async (args, ctx) => {
  const name = checkArg("--name", apiTokenInsertSchema.shape.name, str(args, "name"));
  const user = await userByEmail(ctx.db, str(args, "as"));
  // Minted by no credential that could end meanwhile: never null.
  const token = (await createApiToken(ctx.db, user.id, name))!;
  await ctx.out(`${token.token}\n`);
  ctx.note(`Token "${token.name}" has id ${token.id}. Revoke it with: marginalia token revoke --as ${user.email} ${token.id}`);
};

export const revokeToken: Runner = async (args, ctx) => {
  const tokenId = args.positionals[0]!;
  const user = await userByEmail(ctx.db, str(args, "as"));
  const revoked = await revokeApiToken(ctx.db, user.id, tokenId);
  if (!revoked.length) throw new CliError(`${user.email} has no live token with id ${tokenId}`);
  const minted = revoked.length - 1;
  ctx.note(`Revoked token ${tokenId}${minted ? ` and ${minted} token${minted === 1 ? "" : "s"} minted with it` : ""}.`);
};
