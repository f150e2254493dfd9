import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { exportRoutes } from "../export/routes.ts";
import { METRICS_OPERATION } from "../metrics.ts";
import { type Operation, operationsOf } from "../openapi/describe.ts";
import { openApiRoutes } from "../openapi/routes.ts";
import { w3cRoutes } from "../w3c/routes.ts";
import { annotationRoutes, articleAnnotationRoutes } from "./annotations.ts";
import { articleRoutes, groupArticleRoutes } from "./articles.ts";
import { authRoutes } from "./auth.ts";
import { groupAnnotationRoutes } from "./group-annotations.ts";
import { groupRoutes } from "./groups.ts";
import { healthRoutes } from "./health.ts";
import { invitationRoutes } from "./invitations.ts";
import { meRoutes } from "./me.ts";
import { annotationModerationRoutes, groupModerationRoutes } from "./moderation.ts";
import { notificationRoutes } from "./notifications.ts";
import { sessionRoutes } from "./sessions.ts";
import { tokenRoutes } from "./tokens.ts";
import { webhookRoutes } from "./webhooks.ts";

/**
 * Every documented route: health, the REST API and the W3C protocol, each
 * declaring its access and its OpenAPI doc in its own chain (openapi/describe.ts).
 * The OpenAPI document is read off this router, so it lists what is served.
 */
export function apiRoutes() {
  const api = new Hono<AppEnv>();
  api.route("/", healthRoutes);
  api.route("/api/auth", authRoutes);
  api.route("/api/me/notifications", notificationRoutes);
  api.route("/api/me", meRoutes);
  api.route("/api/tokens", tokenRoutes);
  api.route("/api/groups", groupRoutes);
  api.route("/api/invitations", invitationRoutes);
  api.route("/api/groups", groupArticleRoutes);
  api.route("/api/groups", groupAnnotationRoutes);
  api.route("/api/groups", webhookRoutes);
  api.route("/api/articles", articleRoutes);
  api.route("/api/articles", articleAnnotationRoutes);
  api.route("/api/articles", sessionRoutes);
  api.route("/api/annotations", annotationRoutes);
  api.route("/api/annotations", annotationModerationRoutes);
  api.route("/api/groups", groupModerationRoutes);
  api.route("/api", exportRoutes);
  api.route("/api", openApiRoutes(() => [...operationsOf(api), METRICS_OPERATION]));
  api.route("/w3c", w3cRoutes);
  return api;
}

/** The documented operations, for tools and tests that need them without a running server. */
export const apiOperations = (): Operation[] => operationsOf(apiRoutes());
