import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/** Mounted at /w3c: the W3C Web Annotation Protocol containers (being written). */
export const w3cRoutes = new Hono<AppEnv>();
