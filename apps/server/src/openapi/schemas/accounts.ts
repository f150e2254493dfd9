import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { WEBHOOK_EVENTS, apiTokenSelectSchema, notificationSelectSchema, publicUserSchema, webhookDeliveries, webhooks } from "@marginalia/schema/tables";
import { TOKEN_SCOPES } from "../../auth/api-tokens.ts";
import { columnsOf, listOf, person } from "./common.ts";
import { groupListSchema } from "./groups.ts";

/** Health, accounts, API tokens, notifications and webhooks. */

export const healthSchema = z.strictObject({ status: z.literal("ok") });
export const notReadySchema = z.strictObject({ status: z.literal("unavailable"), missing: z.array(z.enum(["database", "migrations", "relay"])) });

const publicUser = z.strictObject(publicUserSchema.shape);
/** Who signed up or in: the public fields of the account, nothing more. */
export const userResponseSchema = z.strictObject({ user: publicUser });
/** The one answer sign-up gives, whether or not the address has an account. */
export const signupAnswerSchema = z.strictObject({ status: z.literal("confirmation-sent"), email: z.string() });
export const passwordResetAnswerSchema = z.strictObject({ status: z.literal("reset-sent"), email: z.string() });

export const meSchema = z.strictObject({
  user: publicUser,
  via: z.enum(["session", "token"]).describe("How this request was signed in"),
  groups: groupListSchema.shape.groups,
});

const token = { ...columnsOf(apiTokenSelectSchema, "id", "name", "createdAt"), scopes: z.array(z.enum(TOKEN_SCOPES)) };
export const tokenCreatedSchema = z.strictObject({ ...token, token: z.string().describe("mgt_…: the secret, shown this once") });
export const tokenListSchema = listOf("tokens", z.strictObject({ ...token, ...columnsOf(apiTokenSelectSchema, "lastUsedAt"), mintedBy: z.string().nullable().describe("The token that minted this one (revoking it revokes this one too); null when a session did") }));

export const notificationListSchema = listOf(
  "notifications",
  z.strictObject({
    ...columnsOf(notificationSelectSchema, "id", "kind", "annotationId", "articleId", "createdAt", "readAt"),
    data: z.record(z.string(), z.unknown()).describe("What the event carries, by kind"),
    actor: person.nullable().describe("Who caused it, named as the group names them; null when no group is left to ask"),
  }),
);
export const markedSchema = z.strictObject({ marked: z.number().int().describe("How many notifications changed") });

const webhook = { ...columnsOf(createSelectSchema(webhooks), "id", "url", "createdAt"), events: z.array(z.enum(WEBHOOK_EVENTS)) };
export const webhookCreatedSchema = z.strictObject({ ...webhook, secret: z.string().describe("whsec_…: signs deliveries; shown this once") });
export const webhookListSchema = listOf("webhooks", z.strictObject(webhook));
export const deliveryListSchema = listOf(
  "deliveries",
  z.strictObject({
    ...columnsOf(createSelectSchema(webhookDeliveries), "id", "status", "attempts", "lastError", "createdAt", "deliveredAt", "nextAttemptAt"),
    event: z.enum(WEBHOOK_EVENTS),
    lastStatus: z.number().int().nullable().describe("The HTTP status of the last attempt"),
  }),
);
