// What every scenario gets from run.ts.
import type { Server } from "../lib/load.ts";
import type { ServerKind } from "../lib/protocol.ts";
import type { Loader, ServerId, Target } from "../lib/targets.ts";
import type { Report } from "../report.ts";
import type { Settings } from "./settings.ts";

export type Ctx = {
  settings: Settings;
  /** The servers under test, narrowed by --servers. */
  targets: Target[];
  /** Marginalia for the scenarios that run it once: on Postgres when there is one, else embedded. */
  primary: Target;
  report: Report;
  log: (...m: unknown[]) => void;
  load: Loader;
  /** A fresh process of this kind with the run's environment (the memory scenario's fresh processes). */
  startFresh(kind: ServerKind): Promise<Server>;
  databaseUrl: string | undefined;
};

export const pick = (ctx: Ctx, ids: ServerId[]) => ctx.targets.filter((t) => ids.includes(t.id));
