import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "./support/app.ts";
import { MAX_WAITING_PER_ACCOUNT } from "../src/import/account-turns.ts";
import { makePdf } from "./support/pdf.ts";

/**
 * The import threads are the whole server's: accounts take turns at them
 * (import/account-turns.ts). An account's imports wait behind its own, never
 * in front of another account's, and past a bound a further one is refused
 * with 429 and Retry-After. A page the test holds back keeps the first import
 * under way for as long as the test needs.
 */
const STORY = `<!doctype html><html><head><title>Held back</title></head><body><article><h1>Held back</h1>
<p>This page was held back by the site until the test let it go, keeping its import under way.</p></article></body></html>`;

let site: http.Server;
let base: string;
let t: TestApp;
let requested: Promise<void>;
let release: () => void;

beforeAll(async () => {
  let arrived!: () => void;
  requested = new Promise((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  site = http.createServer((req, res) => {
    if (req.url === "/held") {
      arrived();
      void released.then(() => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(STORY));
      return;
    }
    if (req.url === "/nul") return res.writeHead(200, { "content-type": "text/html" }).end("<html><body><article><p>A page with a NUL \0 in it, long enough to be read as an article.</p></article></body></html>");
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  t = await createTestApp({ env: { IMPORT_ALLOW_PRIVATE_URLS: "true" } });
});
afterAll(async () => {
  release();
  await t.close();
  await new Promise((resolve) => site.close(resolve));
});

async function desk(name: string) {
  const owner = await signUp(t.app, name);
  const group = await createGroup(owner, `${name}'s desk`);
  return { owner, path: `/api/groups/${group.id}/articles` };
}

describe("a fair share of the import threads", () => {
  it("queues an account's further imports behind its own, lets other accounts import meanwhile, and bounds the queue", async () => {
    const busy = await desk("Busy");
    const other = await desk("Other");
    const first = busy.owner.post(busy.path, { url: `${base}/held` });
    await requested;

    // One more import than the account's queue holds, sent at once (PDFs share the turns): whichever reaches
    // the queue last is refused at once, and the rest wait behind the held one.
    const pdf = await makePdf([[["A report."]]]);
    let settled = 0;
    const sent = Array.from({ length: MAX_WAITING_PER_ACCOUNT + 1 }, (_, i) =>
      (i === 0
        ? busy.owner.post(`${busy.path}?title=Report`, pdf, { "content-type": "application/pdf" })
        : busy.owner.post(busy.path, { format: "text", content: `Queued article number ${i}.` })
      ).then((res) => {
        settled++;
        return res;
      }),
    );
    const refused = await Promise.race(sent);
    expect([refused.status, refused.body.error.code]).toEqual([429, "rate_limited"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

    const meanwhile = await other.owner.post(other.path, { format: "text", content: "One sentence from another group." });
    expect(meanwhile.status).toBe(201);
    expect(settled).toBe(1);

    release();
    const done = await first;
    expect([done.status, done.body.title]).toEqual([201, "Held back"]);
    const statuses = (await Promise.all(sent)).map((res) => res.status).sort();
    expect(statuses).toEqual([...Array(MAX_WAITING_PER_ACCOUNT).fill(201), 429]);
    const after = await busy.owner.post(busy.path, { format: "text", content: "Sent once the queue had emptied." });
    expect(after.status).toBe(201);
  }, 120_000);

  it("refuses a fetched page holding a NUL as an upload of it is refused, not with a 500", async () => {
    const { owner, path } = await desk("Fetcher");
    const fetched = await owner.post(path, { url: `${base}/nul` });
    expect([fetched.status, fetched.body.error.code, fetched.body.error.field]).toEqual([422, "source_unreadable", "url"]);
    expect(fetched.body.error.message).toMatch(/NUL/);
    const uploaded = await owner.post(path, new TextEncoder().encode("A page with a NUL \0 in it."), { "content-type": "text/html" });
    expect(uploaded.body.error.message).toMatch(/NUL/);
  });
});
