import { ensureWebBuild } from "../../scripts/ensure-build.ts";

/** The browser tests load the built app from the server, so build it first when it is stale. */
export default function setup() {
  ensureWebBuild({ quiet: true });
}
