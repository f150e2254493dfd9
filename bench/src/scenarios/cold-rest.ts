// A big article's history: cold opens of it before and after compaction, and the REST list and
// filter queries over its annotations. Marginalia on one database (the primary); Hocuspocus's cold
// open of the same final state for comparison.
import postgres from "postgres";
import { api, authHeader, seedArticle } from "../harness.ts";
import { coldOpen, waitUnloaded } from "../lib/load.ts";
import type { Endpoint } from "../lib/protocol.ts";
import { summarize } from "../lib/stats.ts";
import type { Ctx } from "./context.ts";

export async function coldAndRest(ctx: Ctx, wants: (s: string) => boolean) {
  const t = ctx.primary;
  const hocus = ctx.targets.find((x) => x.id === "hocuspocus")?.server;
  const c = ctx.settings.cold;
  const { articleId, groupId, room } = await seedArticle(t.server.url, t.owner.token);
  const article = await api(t.server.url, t.owner.token, "GET", `/api/articles/${articleId}`);
  ctx.log(`cold: writing ${c.annotations} annotations in ${c.updates} updates through the GroupCommitter`);
  const context = { docName: room, articleId, groupId, visibility: "group", revision: article.currentRevision ?? 1 };
  const voterIds = Array.from({ length: 20 }, () => crypto.randomUUID());
  const seeded = await t.server.child.request<{ ms: number; updates: number; annotations: number; state: Uint8Array; stateBytes: number }>("seedCold", {
    context,
    annotations: c.annotations,
    updates: c.updates,
    authorId: t.owner.userId,
    voterIds,
  });
  ctx.log(`  seeded in ${(seeded.ms / 1000).toFixed(1)} s; state ${(seeded.stateBytes / 1024).toFixed(0)} KiB`);
  ctx.report.cold.seed = { annotations: seeded.annotations, updates: seeded.updates, seconds: seeded.ms / 1000, stateKiB: seeded.stateBytes / 1024 };
  // Statistics as autovacuum leaves them within a minute of a bulk write: measured right after 10,000
  // fresh rows, the planner still believed the article had a few hundred and sorted them all per page.
  if (ctx.databaseUrl && t.id === "marginalia") {
    const q = postgres(ctx.databaseUrl, { max: 1, onnotice: () => {} });
    await q`vacuum analyze annotations`;
    await q.end();
  }

  if (wants("rest")) {
    const queries: Array<[string, string]> = [
      ["list, by position", "limit=50"],
      ["filter: kind + status", "kind=factcheck&status=pending"],
      ["filter: tag", "tag=disputed"],
      ["filter: resolved, by update", "resolved=true&sort=updated"],
      ["full-text search", "q=sanctions"],
    ];
    const first = await api(t.server.url, t.owner.token, "GET", `/api/articles/${articleId}/annotations?limit=50`);
    if (first.nextCursor) queries.push(["list, page 2 (cursor)", `limit=50&cursor=${first.nextCursor}`]);
    const all: number[] = [];
    for (const [label, query] of queries) {
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < ctx.settings.rest.requests + 5; i++) {
        const at = performance.now();
        const res = await fetch(`${t.server.url}/api/articles/${articleId}/annotations?${query}`, {
          headers: authHeader(t.owner.token),
        });
        const body = (await res.json()) as { annotations: unknown[] };
        if (i >= 5) times.push(performance.now() - at);
        count = body.annotations?.length ?? -1;
      }
      all.push(...times);
      ctx.report.rest.push({ label, query, rows: count, ...summarize(times) });
      ctx.log(`  REST ${label}: p95 ${summarize(times).p95.toFixed(1)} ms (${count} rows)`);
    }
    ctx.report.restAll = summarize(all);
  }

  if (wants("cold")) {
    const ep: Endpoint = { kind: "marginalia", origin: t.server.origin, docName: room, token: t.owner.token };
    const before: number[] = [];
    for (let i = 0; i < c.before; i++) {
      await waitUnloaded(t.server);
      before.push(await coldOpen(ep));
      ctx.log(`  cold open before compaction: ${before.at(-1)!.toFixed(0)} ms`);
    }
    await waitUnloaded(t.server);
    const compaction = await t.server.child.request<{ passes: number; rows: number; ms: number }>("compact", { docName: room });
    ctx.log(`  compacted ${compaction.rows} rows in ${compaction.passes} passes, ${compaction.ms.toFixed(0)} ms`);
    const after: number[] = [];
    for (let i = 0; i < c.after; i++) {
      await waitUnloaded(t.server);
      after.push(await coldOpen(ep));
    }
    ctx.log(`  cold open after compaction: ${after.map((x) => x.toFixed(0)).join(", ")} ms`);
    // The longest log a live document keeps before its server folds it, written after the snapshot by
    // another process (appendCold): what a server that opens the document then reads.
    const withTail: number[] = [];
    let tailRows = 0;
    for (let i = 0; i < c.after; i++) {
      await waitUnloaded(t.server);
      await t.server.child.request("compact", { docName: room });
      ({ rows: tailRows } = await t.server.child.request<{ rows: number }>("appendCold", { context, authorId: t.owner.userId, voterIds, seed: i + 1 }));
      // Writing the rows built the whole document in the server's process: its garbage is collected first,
      // so that the open measures the load and not that collection.
      await t.server.child.request("stats", { gc: true });
      withTail.push(await coldOpen(ep));
    }
    ctx.log(`  cold open after compaction, with ${tailRows} rows after the snapshot: ${withTail.map((x) => x.toFixed(0)).join(", ")} ms`);
    ctx.report.cold.marginalia = { before: summarize(before), after: summarize(after), tail: { rows: tailRows, ...summarize(withTail) }, compaction };

    if (hocus) {
      const name = `bench-cold-${process.pid}`;
      await hocus.child.request("seed", { name, state: seeded.state });
      const hep: Endpoint = { kind: "hocuspocus", origin: hocus.origin, docName: name, token: "bench" };
      const times: number[] = [];
      for (let i = 0; i < c.after; i++) {
        await waitUnloaded(hocus);
        times.push(await coldOpen(hep));
      }
      ctx.log(`  hocuspocus cold open: ${times.map((x) => x.toFixed(0)).join(", ")} ms`);
      ctx.report.cold.hocuspocus = summarize(times);
    }
  }
}
