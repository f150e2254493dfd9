// A very large article against the rest of the server: a moderator imports an
// article of about 9 MB of text, readers open it, one annotates it over REST,
// and the moderator corrects it. Reports, for each request, its time and how long the server's event
// loop went without a turn meanwhile, and the worst round trip a bystander's
// small request saw (docs/architecture.md, "Large articles").
//
// The server runs in this process, its clients in a child process of their
// own that never parses the large answers, so that the loop measured is the
// server's alone. Env: BENCH_DATABASE_URL (else the embedded database),
// ARTICLE_MB (9), READS (3); SHAPE=tiny for an article of BLOCKS (default: as
// many as an article may hold) paragraphs of a word or two each, whose block
// map, not its text, is the bulk of every answer.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SEED, authHeader, signUp, startMarginalia } from "./harness.ts";
import { longestTurn } from "./lib/loop-delay.ts";
import { MAX_ARTICLE_BLOCKS } from "@marginalia/server/storable-text.ts";

const megabytes = Number(process.env.ARTICLE_MB ?? 9);
const reads = Number(process.env.READS ?? 3);
const tiny = process.env.SHAPE === "tiny";
const blockCount = Number(process.env.BLOCKS ?? MAX_ARTICLE_BLOCKS);

type Setup = { url: string; token: string };
type Step = { name: string };
type Measured = { status: number; bytes: number; ms: number; bystanderMaxMs: number };

if (process.argv[2] === "clients") await runClients(JSON.parse(process.env.LARGE_ARTICLE_SETUP!) as Setup);
else await runServer();

async function runServer() {
  const server = await startMarginalia(process.env.BENCH_DATABASE_URL || undefined);
  const owner = await signUp(server.url, "owner");
  const clients = fork(fileURLToPath(import.meta.url), ["clients"], {
    env: { ...process.env, LARGE_ARTICLE_SETUP: JSON.stringify({ url: server.url, token: owner.token } satisfies Setup) },
    execArgv: ["--import", "tsx"],
  });
  const ask = <T>(message: unknown) =>
    new Promise<T>((resolve) => {
      clients.once("message", (reply) => resolve(reply as T));
      clients.send(message as never);
    });
  await ask("ready");
  const steps = ["import", ...Array.from({ length: reads }, (_, i) => `read ${i + 1}`), "annotate", "annotate again", "annotate (W3C)", "correct", "read corrected", "read first revision"];
  const rows: Array<Measured & Step & { longestTurnMs: number }> = [];
  for (const name of steps) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    let measured: Measured | null = null;
    const longest = await longestTurn(async () => {
      measured = await ask<Measured>({ name } satisfies Step);
    });
    rows.push({ name, ...measured!, longestTurnMs: +longest.toFixed(1) });
  }
  clients.kill();
  console.log(JSON.stringify({ database: server.kind, ...(tiny ? { blocks: blockCount } : { megabytes }), rows }, null, 1));
  await server.stop();
  process.exit(0);
}

/** About `megabytes` of distinct paragraphs, with a heading every twenty. */
function largeText(bytes: number, variant: string): string {
  const paragraphs = SEED.split(/\n\s*\n/).filter((p) => p.trim().length > 40);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = i % 20 === 0 ? `Section ${i / 20} ${variant}` : `${i}. ${paragraphs[i % paragraphs.length]!.trim()}`;
    parts.push(part);
    size += part.length + 2;
  }
  return parts.join("\n\n");
}

/**
 * `count` blocks, less the one the correction adds: a paragraph of a number each, with a heading every
 * twenty as `largeText` has (the annotations quote two of them).
 */
function tinyText(count: number, variant: string): string {
  return Array.from({ length: count - 1 }, (_, i) => (i % 20 === 0 ? `Section ${i / 20} ${variant}` : `${i}`)).join("\n\n");
}

async function runClients(setup: Setup) {
  const headers = authHeader(setup.token);
  /** One timed request; its answer is counted, never parsed. */
  const call = async (method: string, path: string, body?: string, type = "text/plain") => {
    const started = performance.now();
    const res = await fetch(setup.url + path, { method, headers: { ...headers, ...(body && { "content-type": type }) }, body });
    const answer = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, bytes: answer.byteLength, ms: +(performance.now() - started).toFixed(1), answer };
  };
  const group = (await (await fetch(`${setup.url}/api/groups`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ name: "Large desk" }) })).json()) as { id: string };
  const original = tiny ? tinyText(blockCount, "first") : largeText(megabytes * 1024 * 1024, "first");
  // The correction changes one paragraph near the middle, as a typo fix would.
  const middle = original.indexOf("\n\n", original.length / 2);
  const corrected = `${original.slice(0, middle)}\n\nA corrected paragraph, added in revision two.${original.slice(middle)}`;
  let articleId = "";

  // A bystander's small request every 10 ms; each step reports the worst round trip it saw.
  let bystanderMax = 0;
  const bystander = async () => {
    for (;;) {
      const started = performance.now();
      await fetch(`${setup.url}/healthz`).then((r) => r.arrayBuffer());
      bystanderMax = Math.max(bystanderMax, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  void bystander();

  process.on("message", async (request: "ready" | Step) => {
    if (request === "ready") return process.send!("ready");
    bystanderMax = 0;
    let result: Awaited<ReturnType<typeof call>>;
    if (request.name === "import") {
      result = await call("POST", `/api/groups/${group.id}/articles`, original);
      articleId = (JSON.parse(Buffer.from(result.answer).toString()) as { id: string }).id;
    } else if (request.name === "annotate (W3C)") {
      // The Web Annotation Protocol's container, with a TextQuoteSelector the server places in the text.
      const doc = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        type: "Annotation",
        body: { type: "TextualBody", value: "x" },
        target: { source: `${setup.url}/articles/${articleId}`, selector: { type: "TextQuoteSelector", exact: "Section 302 first" } },
      };
      result = await call("POST", `/w3c/articles/${articleId}/`, JSON.stringify(doc), 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"');
    } else if (request.name.startsWith("annotate")) {
      // A quote without positions: the server finds it in the text, as a W3C client's TextQuoteSelector asks.
      const target = { revision: 1, exact: "Section 301 first", prefix: "", suffix: "" };
      result = await call("POST", `/api/articles/${articleId}/annotations`, JSON.stringify({ kind: "comment", body: "x", target }), "application/json");
    } else if (request.name === "correct") result = await call("PUT", `/api/articles/${articleId}/text`, corrected);
    else if (request.name === "read first revision") result = await call("GET", `/api/articles/${articleId}?revision=1`);
    else result = await call("GET", `/api/articles/${articleId}`);
    process.send!({ status: result.status, bytes: result.bytes, ms: result.ms, bystanderMaxMs: +bystanderMax.toFixed(1) } satisfies Measured);
  });
}
