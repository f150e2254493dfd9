// Smaller scenarios on Marginalia's primary database: durable lag with one writer alone, memory per
// idle loaded document (all three servers), and one generator process against two.
import { SEED, api, seedArticle, signUp } from "../harness.ts";
import { annotationBatch } from "../lib/cold-data.ts";
import { type Probe, openProbe, sleep } from "../lib/load.ts";
import { type Endpoint, type ServerKind, openingMessages, step1Message, updateMessage } from "../lib/protocol.ts";
import { freshRoom } from "../lib/targets.ts";
import type { Ctx } from "./context.ts";

export async function durableAlone(ctx: Ctx) {
  const d = ctx.settings.durable;
  const t = ctx.primary;
  const room = await freshRoom(t, "durable");
  ctx.log(`durable lag: ${t.id}, one writer, ${d.rate}/s`);
  const out = await ctx.load(t, room, {
    clients: 2,
    writers: 1,
    fullClients: 0,
    steps: [{ rate: d.rate, warmupMs: 500, measureMs: d.ms }],
    gapMs: 0,
    settleMs: 500,
    acks: true,
  });
  ctx.report.durable.alone = out.steps[0]!.durable;
  ctx.log(`  p50 ${out.steps[0]!.durable.p50.toFixed(1)} p99 ${out.steps[0]!.durable.p99.toFixed(1)} ms`);
}

export async function memoryPerDocument(ctx: Ctx) {
  const m = ctx.settings.memory;
  const kinds = [...new Set(ctx.targets.map((t) => t.server.kind))] as ServerKind[];
  for (const kind of kinds) {
    // Full mode: a fresh process each. Quick mode: the running one (the per-document growth is measured either way).
    const running = kind === "marginalia" ? ctx.primary : ctx.targets.find((t) => t.server.kind === kind)!;
    const server = m.freshProcesses ? await ctx.startFresh(kind) : running.server;
    try {
      const who = kind === "marginalia" ? await signUp(server.url, "memory") : { token: "bench", userId: running.owner.userId };
      const endpoints: Array<Endpoint & { text: string; revision: number; authorId: string }> = [];
      for (let i = 0; i < m.docs + 2; i++) {
        if (kind === "marginalia") {
          const { room, articleId } = await seedArticle(server.url, who.token);
          // Written as a browser would: on the text as imported, under the id the group knows its author by.
          const read = await api(server.url, who.token, "GET", `/api/articles/${articleId}`);
          endpoints.push({ kind, origin: server.origin, docName: room, token: who.token, text: read.text, revision: read.revision, authorId: read.memberId });
        } else endpoints.push({ kind, origin: server.origin, docName: `memory-${i}-${process.pid}`, token: "bench", text: SEED, revision: 1, authorId: who.userId });
      }
      const probes: Probe[] = [];
      const load = async (ep: (typeof endpoints)[number], i: number) => {
        const probe = await openProbe(ep);
        const joined = probe.next("joined");
        for (const msg of openingMessages(ep)) probe.socket.send(msg);
        await joined;
        probe.socket.send(updateMessage(ep.kind, ep.docName, annotationBatch(m.annotations, ep.authorId, ep.text, i + 1, ep.revision)));
        // Messages are handled in order: the answer to this step 1 comes after the update is applied.
        const synced = probe.next("step2");
        probe.socket.send(step1Message(ep.kind, ep.docName));
        await synced;
        probes.push(probe);
      };
      // Two first, so that code and caches warmed by the first documents are in the baseline.
      await load(endpoints[0]!, 0);
      await load(endpoints[1]!, 1);
      await sleep(m.settleMs);
      const baseline = await server.child.stats(true);
      for (let i = 2; i < endpoints.length; i++) await load(endpoints[i]!, i);
      await sleep(m.settleMs); // group commits; Hocuspocus's stores wait 2 s, at most 10 s, so some may still be due
      const loaded = await server.child.stats(true);
      const heap = (x: typeof baseline) => x.memory.heapUsed + x.memory.external;
      const row = {
        server: kind,
        docs: m.docs,
        annotations: m.annotations,
        heapPerDocKiB: (heap(loaded) - heap(baseline)) / m.docs / 1024,
        rssPerDocKiB: (loaded.memory.rss - baseline.memory.rss) / m.docs / 1024,
        loadedDocs: await server.child.request<number>("loaded"),
      };
      ctx.report.memory.push(row);
      ctx.log(`memory: ${kind}: ${row.heapPerDocKiB.toFixed(0)} KiB heap+external, ${row.rssPerDocKiB.toFixed(0)} KiB RSS per document (${row.loadedDocs} loaded)`);
      for (const p of probes) p.socket.close();
    } finally {
      if (m.freshProcesses) await server.child.stop();
    }
  }
}

export async function generatorSplit(ctx: Ctx) {
  const t = ctx.primary;
  for (const parts of [1, 2]) {
    const room = await freshRoom(t, `gen${parts}`);
    const out = await ctx.load(t, room, {
      clients: 200,
      writers: ctx.settings.writers,
      fullClients: 0,
      steps: [{ rate: 100, warmupMs: 1000, measureMs: 5000 }],
      gapMs: 0,
      settleMs: 1500,
      acks: false,
      parts,
    });
    const s = out.steps[0]!;
    ctx.report.generators.push({ parts, latency: s.latency, generatorCpu: s.generatorCpu, serverCpu: s.serverCpu, missing: s.missing, lag: s.lag });
    ctx.log(`generators ×${parts}: p50 ${s.latency.p50.toFixed(1)} p99 ${s.latency.p99.toFixed(1)} ms, gen cpu ${(s.generatorCpu * 100).toFixed(0)}%`);
  }
}
