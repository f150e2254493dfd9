import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/** Mounted at /api: exports of an article or a group (being written). */
export const exportRoutes = new Hono<AppEnv>();
