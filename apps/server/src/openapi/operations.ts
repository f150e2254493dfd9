import { z } from "zod";
import { articleJsonSchema, articleUrlSchema } from "../http/article-body.ts";
import { assignmentSchema, createAnnotationSchema, patchAnnotationSchema, reattachSchema, replySchema, voteSchema } from "../routes/annotations.ts";
import { myAssignmentsQuery } from "../routes/me.ts";
import { revisionQuery } from "../routes/articles.ts";
import { similarClaimsQuery } from "../routes/group-annotations.ts";
import { createWebhookSchema } from "../routes/webhooks.ts";
import { changePasswordSchema, confirmSignupSchema, loginSchema, signupSchema } from "../routes/auth.ts";
import { changeRoleSchema, createGroupSchema, groupSettingsSchema, inviteSchema } from "../routes/groups.ts";
import { optionalReason, reasonSchema } from "../routes/moderation.ts";
import { markReadSchema, notificationListQuery } from "../routes/notifications.ts";
import { participationQuery } from "../routes/sessions.ts";
import { createTokenSchema } from "../routes/tokens.ts";
import { annotationFilterSchema } from "../services/annotation-queries.ts";
import {
  annotationPageSchema,
  annotationViewSchema,
  healthSchema,
  notReadySchema,
  signupAnswerSchema,
  userResponseSchema,
  w3cAnnotationSchema,
  w3cContainerSchema,
  w3cPageSchema,
} from "./schemas.ts";

/** One documented operation. Request schemas are the very ones the routes validate with. */
export type Operation = {
  method: "get" | "post" | "put" | "patch" | "delete" | "options";
  /** Hono-style path, e.g. /api/groups/:groupId. */
  path: string;
  tag: string;
  summary: string;
  /** False for the few routes that take anonymous callers. */
  auth?: boolean;
  body?: z.ZodType;
  /** Extra request media types the route takes besides JSON. */
  bodyTypes?: string[];
  query?: z.ZodType;
  responses: Record<number, string>;
  /** Media types of the successful bodies; JSON unless said. */
  produces?: string[];
  /** Body schemas of some responses, by status: zod for ours, JSON Schema for formats we do not own. */
  schemas?: Partial<Record<number, z.ZodType | object>>;
};

/** An article's text as JSON, or a URL for the server to fetch; or a text, PDF or multipart body. */
const articleBody = z.union([articleJsonSchema, articleUrlSchema]);
const ARTICLE_TYPES = ["text/plain", "text/markdown", "text/html", "application/pdf", "multipart/form-data"];
const IMPORT_REFUSALS = {
  400: "Bad input, naming the field; address_not_public for a URL on loopback, private, link-local or metadata addresses (at any redirect)",
  413: "Too large: the body, or a PDF's page count",
  422: "source_unreadable (the URL did not answer with an article page, in time, within the size limit) or pdf_without_text (a scan)",
};

const exportQuery = z.object({ format: z.enum(["w3c", "claimreview", "csv", "markdown"]) });

const ok = (description: string) => ({ 200: description });
const created = (description: string) => ({ 201: description });
const noContent = { 204: "Done" };
const LD = ["application/ld+json"];
/** The annotation as the REST API presents it, for each status that answers with one. */
const annotation = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, annotationViewSchema]));

export const OPERATIONS: Operation[] = [
  { method: "get", path: "/healthz", tag: "meta", summary: "Liveness: the process runs (no dependency is checked)", auth: false, responses: { 200: "Alive" }, schemas: { 200: healthSchema } },
  { method: "get", path: "/readyz", tag: "meta", summary: "Readiness: the database answers within a second with this build's migrations, and the Redis relay (when configured) is connected", auth: false, responses: { 200: "Ready", 503: "Not ready: {status, missing: [\"database\" | \"migrations\" | \"relay\"]}" }, schemas: { 200: healthSchema, 503: notReadySchema } },
  { method: "post", path: "/api/auth/signup", tag: "auth", summary: "Start a sign-up: mails a confirmation link to a new address, or a notice to an address that already has an account; the answer is the same for both", auth: false, body: signupSchema, responses: { 202: "{status: \"confirmation-sent\", email}", 429: "Too many attempts" }, schemas: { 202: signupAnswerSchema } },
  { method: "post", path: "/api/auth/confirm", tag: "auth", summary: "Finish a sign-up with the mailed token and the password chosen at sign-up; creates the account and signs in", auth: false, body: confirmSignupSchema, responses: { 201: "Signed up; sets the session cookie", 401: "Not the password chosen at sign-up", 410: "The link expired, was used, or the address has an account by now", 429: "Too many attempts" }, schemas: { 201: userResponseSchema } },
  { method: "post", path: "/api/auth/login", tag: "auth", summary: "Sign in with a fresh session", auth: false, body: loginSchema, responses: { 200: "Signed in; sets the session cookie", 429: "Too many attempts" }, schemas: { 200: userResponseSchema } },
  { method: "post", path: "/api/auth/logout", tag: "auth", summary: "End this session", responses: noContent },
  { method: "post", path: "/api/auth/password", tag: "auth", summary: "Change your password; ends your other sessions (signed in, not with a token)", body: changePasswordSchema, responses: { 204: "Changed", 401: "The current password is wrong", 403: "Called with an API token" } },
  { method: "post", path: "/api/auth/logout-everywhere", tag: "auth", summary: "End every session of yours, this one included (API tokens stay)", responses: { ...noContent, 403: "Called with an API token" } },
  { method: "get", path: "/api/me", tag: "auth", summary: "The signed-in user and their groups", responses: ok("The user") },
  { method: "get", path: "/api/me/invitations", tag: "groups", summary: "Open invitations to your account's email, with the group and who invited you (as the group names people)", responses: ok("Invitations") },
  { method: "get", path: "/api/me/assignments", tag: "annotations", summary: "Annotations assigned to you that you may see, soonest due first", query: myAssignmentsQuery, responses: ok("Assignments with due time, overdue flag, your answer and progress") },
  { method: "get", path: "/api/me/notifications", tag: "notifications", summary: "Mentions, replies and moderation outcomes", query: notificationListQuery, responses: ok("Newest first") },
  { method: "post", path: "/api/me/notifications/read", tag: "notifications", summary: "Mark some or all notifications read", body: markReadSchema, responses: ok("How many changed") },
  { method: "post", path: "/api/tokens", tag: "auth", summary: "Create an API token (shown once); a token needs the tokens scope to do this", body: createTokenSchema, responses: { ...created("The token"), 403: "Called with a token without the tokens scope" } },
  { method: "get", path: "/api/tokens", tag: "auth", summary: "List your live API tokens", responses: ok("Tokens, without secrets") },
  { method: "delete", path: "/api/tokens/:tokenId", tag: "auth", summary: "Revoke an API token; closes its open sockets", responses: { ...noContent, 403: "Called with a token without the tokens scope" } },
  { method: "post", path: "/api/groups", tag: "groups", summary: "Create a group; you become its owner", body: createGroupSchema, responses: created("The group") },
  { method: "get", path: "/api/groups", tag: "groups", summary: "Your groups", responses: ok("Groups with your role") },
  { method: "get", path: "/api/groups/:groupId", tag: "groups", summary: "One group", responses: ok("The group and your role") },
  { method: "patch", path: "/api/groups/:groupId", tag: "groups", summary: "Change settings: anonymity to peers, review quorum (owner)", body: groupSettingsSchema, responses: { 200: "The group and your role", 400: "A quorum above 1 outside a pre-moderated group" } },
  { method: "get", path: "/api/groups/:groupId/members", tag: "groups", summary: "Members and their roles", responses: ok("Members") },
  { method: "post", path: "/api/groups/:groupId/invitations", tag: "groups", summary: "Invite an email address to join (owner); inviting it again refreshes the open invitation. The answer is the same whether or not the address has an account", body: inviteSchema, responses: { 202: "The invitation: id, email, role, status, expiresAt" } },
  { method: "get", path: "/api/groups/:groupId/invitations", tag: "groups", summary: "The group's open invitations (owner): address, role, status, dates", responses: ok("Invitations") },
  { method: "delete", path: "/api/groups/:groupId/invitations/:invitationId", tag: "groups", summary: "Revoke an open invitation (owner)", responses: noContent },
  { method: "post", path: "/api/invitations/:invitationId/accept", tag: "groups", summary: "Accept an invitation to your email: you join the group in the invited role", responses: { ...created("The membership"), 200: "Already a member: the membership as it was", 404: "No such invitation for you, or revoked", 409: "Already accepted or declined", 410: "invitation_expired" } },
  { method: "post", path: "/api/invitations/:invitationId/decline", tag: "groups", summary: "Decline an invitation to your email", responses: { ...noContent, 404: "No such invitation for you, or revoked", 409: "Already accepted or declined", 410: "invitation_expired" } },
  { method: "patch", path: "/api/groups/:groupId/members/:memberId", tag: "groups", summary: "Change a member's role (owner)", body: changeRoleSchema, responses: ok("The membership") },
  { method: "delete", path: "/api/groups/:groupId/members/:memberId", tag: "groups", summary: "Remove a member, or leave", responses: noContent },
  { method: "post", path: "/api/groups/:groupId/articles", tag: "articles", summary: "Import an article (moderator): its text, a PDF (each block with its page), or {url} for the server to fetch and read", body: articleBody, bodyTypes: ARTICLE_TYPES, responses: { ...created("The article with text and blocks"), ...IMPORT_REFUSALS } },
  { method: "get", path: "/api/groups/:groupId/articles", tag: "articles", summary: "A group's articles", responses: ok("Articles") },
  { method: "get", path: "/api/groups/:groupId/moderation/queue", tag: "moderation", summary: "Pending and flagged annotations (moderator)", responses: ok("The queue") },
  { method: "get", path: "/api/groups/:groupId/moderation/log", tag: "moderation", summary: "Every moderation action (moderator)", responses: ok("Newest first") },
  { method: "get", path: "/api/articles/:articleId", tag: "articles", summary: "An article, its text, blocks and sync rooms", query: revisionQuery, responses: ok("The article") },
  { method: "get", path: "/api/articles/:articleId/revisions", tag: "articles", summary: "Revision history", responses: ok("Revisions, newest first") },
  { method: "put", path: "/api/articles/:articleId/text", tag: "articles", summary: "Store a corrected text as a new revision (moderator), from any source an import takes", body: articleBody, bodyTypes: ARTICLE_TYPES, responses: { 200: "Unchanged text: no new revision", 201: "A new revision", ...IMPORT_REFUSALS } },
  { method: "delete", path: "/api/articles/:articleId", tag: "articles", summary: "Delete an article (moderator)", responses: noContent },
  { method: "post", path: "/api/groups/:groupId/webhooks", tag: "webhooks", summary: "Register a webhook (owner): JSON POSTs of the chosen events, signed X-Marginalia-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>, with X-Marginalia-Delivery the same across retries; retried with exponential backoff for more than a day until a 2xx. Loopback, private and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true", body: createWebhookSchema, responses: { ...created("{id, url, events, createdAt, secret}: the secret is shown this once"), 403: "Not the owner" } },
  { method: "get", path: "/api/groups/:groupId/webhooks", tag: "webhooks", summary: "The group's webhooks, without secrets (owner)", responses: { ...ok("{webhooks: [{id, url, events, createdAt}]}"), 403: "Not the owner" } },
  { method: "delete", path: "/api/groups/:groupId/webhooks/:webhookId", tag: "webhooks", summary: "Delete a webhook and its pending deliveries (owner)", responses: { ...noContent, 403: "Not the owner" } },
  { method: "get", path: "/api/groups/:groupId/webhooks/:webhookId/deliveries", tag: "webhooks", summary: "A webhook's latest 50 deliveries, newest first (owner)", responses: { ...ok("{deliveries: [{id, event, status: pending|delivered|failed, attempts, lastStatus, lastError, createdAt, deliveredAt, nextAttemptAt}]}"), 403: "Not the owner" } },
  { method: "get", path: "/api/groups/:groupId/claims/similar", tag: "annotations", summary: "Claim memory: the group's published fact-checks whose claims read most like q (trigram similarity and full-text rank, in Postgres), best first, at most 10", query: similarClaimsQuery, responses: ok("{matches: [{annotationId, articleId, claim, verdict, score}]}") },
  { method: "get", path: "/api/groups/:groupId/annotations", tag: "annotations", summary: "Search every article of a group with the per-article filters, q and cursor paging (newest first unless sort is given); each item has its articleId", query: annotationFilterSchema, responses: ok("{annotations, nextCursor}") },
  { method: "get", path: "/api/articles/:articleId/annotations", tag: "annotations", summary: "Filter, search and page an article's annotations", query: annotationFilterSchema, responses: ok("A page and the next cursor"), schemas: { 200: annotationPageSchema } },
  { method: "post", path: "/api/articles/:articleId/annotations", tag: "annotations", summary: "Create an annotation through the live document", body: createAnnotationSchema, responses: created("The annotation"), schemas: annotation(201) },
  { method: "get", path: "/api/annotations/:annotationId", tag: "annotations", summary: "One annotation", responses: { 200: "The annotation", 410: "Deleted" }, schemas: annotation(200) },
  { method: "patch", path: "/api/annotations/:annotationId", tag: "annotations", summary: "Change fields, under the same rules as a live edit", body: patchAnnotationSchema, responses: ok("The annotation"), schemas: annotation(200) },
  { method: "delete", path: "/api/annotations/:annotationId", tag: "annotations", summary: "Delete your own annotation", responses: noContent },
  { method: "post", path: "/api/annotations/:annotationId/replies", tag: "annotations", summary: "Reply in the thread", body: replySchema, responses: created("The reply"), schemas: annotation(201) },
  { method: "post", path: "/api/annotations/:annotationId/reattach", tag: "annotations", summary: "Re-attach an orphan to a range of the current text (author or moderator)", body: reattachSchema, responses: ok("The annotation, anchored"), schemas: annotation(200) },
  { method: "post", path: "/api/annotations/:annotationId/resolve", tag: "annotations", summary: "Resolve the thread", responses: ok("The annotation"), schemas: annotation(200) },
  { method: "post", path: "/api/annotations/:annotationId/reopen", tag: "annotations", summary: "Reopen the thread", responses: ok("The annotation"), schemas: annotation(200) },
  { method: "put", path: "/api/annotations/:annotationId/vote", tag: "annotations", summary: "Agree, disagree or withdraw your vote", body: voteSchema, responses: ok("The counts") },
  { method: "put", path: "/api/annotations/:annotationId/assignment", tag: "annotations", summary: "Assign members to answer it, with an optional due time (author or moderator)", body: assignmentSchema, responses: ok("The assignees and their progress") },
  { method: "post", path: "/api/annotations/:annotationId/approve", tag: "moderation", summary: "Approve a pending submission into the group; under a review quorum, with every review of its passage", responses: { 200: "The published annotation", 409: "quorum_not_reached: too few independent reviews of the passage" } },
  { method: "post", path: "/api/annotations/:annotationId/reject", tag: "moderation", summary: "Reject a pending submission, with a reason", body: reasonSchema, responses: noContent },
  { method: "post", path: "/api/annotations/:annotationId/publish", tag: "moderation", summary: "Publish a fact-check in review", body: optionalReason, responses: ok("The annotation") },
  { method: "post", path: "/api/annotations/:annotationId/hide", tag: "moderation", summary: "Hide an annotation from non-moderators", body: optionalReason, responses: ok("The annotation") },
  { method: "post", path: "/api/annotations/:annotationId/unhide", tag: "moderation", summary: "Show a hidden annotation again", body: optionalReason, responses: ok("The annotation") },
  { method: "post", path: "/api/annotations/:annotationId/flag", tag: "moderation", summary: "Flag an annotation for moderators", body: reasonSchema, responses: created("The flag") },
  { method: "get", path: "/api/articles/:articleId/export", tag: "exports", summary: "Export an article's annotations you may see", query: exportQuery, responses: ok("W3C JSON-LD, ClaimReview JSON-LD, CSV or a Markdown report"), produces: ["application/ld+json", "text/csv", "text/markdown"] },
  { method: "get", path: "/api/groups/:groupId/export", tag: "exports", summary: "Export a whole group's annotations you may see", query: exportQuery, responses: ok("W3C JSON-LD, ClaimReview JSON-LD, CSV or a Markdown report"), produces: ["application/ld+json", "text/csv", "text/markdown"] },
  { method: "get", path: "/api/articles/:articleId/summary", tag: "sessions", summary: "The live session's numbers: claims, verdicts, threads, who is working on what, activity", responses: ok("The summary") },
  { method: "get", path: "/api/articles/:articleId/agreement", tag: "sessions", summary: "How far reviewers agree: Krippendorff's ordinal alpha over the six-point verdict scale (unverifiable left out), passages as units, every submitted verdict (pending or published) counted (moderators and owners)", responses: { ...ok("{overall: {alpha, passages, reviewers}, passages: [{start, end, revision, reviewers, alpha, verdicts}]}; alpha is null when there is nothing to compare"), 403: "Below moderator" } },
  { method: "get", path: "/api/articles/:articleId/participation", tag: "sessions", summary: "Each member's participation (moderator), as JSON or CSV", query: participationQuery, responses: ok("One row per member; text/csv with format=csv"), produces: ["application/json", "text/csv"] },
  { method: "get", path: "/w3c/articles/:articleId", tag: "w3c", summary: "An article's W3C annotation container (Basic Container, pages of AnnotationPage)", responses: { 200: "The container, or one page of it (?page=), as application/ld+json with the anno profile", 304: "Not modified (If-None-Match)" }, produces: LD, schemas: { 200: { anyOf: [w3cContainerSchema, w3cPageSchema] } } },
  { method: "post", path: "/w3c/articles/:articleId", tag: "w3c", summary: "Create a W3C annotation (TextQuote and TextPosition selectors)", bodyTypes: ["application/ld+json"], responses: created("The annotation, with Location and ETag"), produces: LD, schemas: { 201: w3cAnnotationSchema } },
  { method: "options", path: "/w3c/articles/:articleId", tag: "w3c", summary: "What the container allows", auth: false, responses: ok("Allow and Accept-Post, no body"), produces: [] },
  { method: "get", path: "/w3c/articles/:articleId/:annotationId", tag: "w3c", summary: "One annotation in W3C JSON-LD, with its ETag", responses: { 200: "The annotation", 304: "Not modified", 410: "Deleted" }, produces: LD, schemas: { 200: w3cAnnotationSchema } },
  { method: "put", path: "/w3c/articles/:articleId/:annotationId", tag: "w3c", summary: "Replace an annotation; needs If-Match", bodyTypes: ["application/ld+json"], responses: { 200: "The annotation, with a new ETag", 412: "The ETag did not match" }, produces: LD, schemas: { 200: w3cAnnotationSchema } },
  { method: "delete", path: "/w3c/articles/:articleId/:annotationId", tag: "w3c", summary: "Delete an annotation; later reads answer 410", responses: noContent },
  { method: "options", path: "/w3c/articles/:articleId/:annotationId", tag: "w3c", summary: "What an annotation allows", auth: false, responses: ok("Allow, no body"), produces: [] },
  { method: "get", path: "/api/openapi.json", tag: "meta", summary: "This document", auth: false, responses: ok("OpenAPI 3.1") },
  { method: "get", path: "/api/docs", tag: "meta", summary: "This document as a page", auth: false, responses: ok("HTML"), produces: ["text/html"] },
  { method: "get", path: "/api/docs/init.js", tag: "meta", summary: "The docs page's script", auth: false, responses: ok("JavaScript"), produces: ["text/javascript"] },
];
