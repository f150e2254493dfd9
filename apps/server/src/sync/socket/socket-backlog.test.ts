import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WSContext } from "hono/ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { ACCOUNT_BACKLOG_BYTES, AccountBacklogs, type AccountOf, BACKLOG_BYTES, type BacklogSender, sendWithBacklogLimit } from "./socket-backlog.ts";
import { SHARED_FRAME_BYTES, sharedFrameWriter } from "./shared-frames.ts";

/** A real `ws` server whose connections hand the test a sender as socket.ts builds it, and a real client. */
let server: Server;
let wss: WebSocketServer;
let url: string;
type ServerSide = { ws: WebSocket; behind: number[] } & BacklogSender;
const accepted: Array<{ resolve: (side: ServerSide) => void; account?: AccountOf }> = [];

beforeAll(async () => {
  wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on("upgrade", (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      const context = new WSContext({
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
        raw: ws,
        get readyState() {
          return ws.readyState as 0 | 1 | 2 | 3;
        },
      });
      const behind: number[] = [];
      const { resolve, account } = accepted.shift()!;
      resolve({ ws, behind, ...sendWithBacklogLimit(context, (unsent) => behind.push(unsent), account) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

type Heard = { messages: Buffer[]; closed: Promise<number> };

async function connect(account?: AccountOf): Promise<{ server: ServerSide; heard: Heard; client: WebSocket }> {
  const serverSide = new Promise<ServerSide>((resolve) => accepted.push({ resolve, account }));
  const client = new WebSocket(url);
  const heard: Heard = { messages: [], closed: new Promise((resolve) => client.on("close", resolve)) };
  client.on("message", (data) => heard.messages.push(data as Buffer));
  await new Promise((resolve) => client.on("open", resolve));
  return { server: await serverSide, heard, client };
}

function filled(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe("a socket's backlog limit", () => {
  it("sends every message in order to a peer that reads, large ones included", async () => {
    const { server: s, heard } = await connect();
    const sent = [0, 125, 70_000, 3 * 2 ** 20, 10].map((n, i) => filled(n, i));
    for (const message of sent) s.send(message);
    s.ws.close(4000, "done");
    expect(await heard.closed).toBe(4000);
    expect(heard.messages.map((m) => m.length)).toEqual(sent.map((m) => m.length));
    heard.messages.forEach((m, i) => expect(m.equals(sent[i]!)).toBe(true));
    expect(s.behind).toEqual([]);
  });

  it("stops buffering for a peer that does not read, once, past the backlog allowed beyond its largest message", async () => {
    const { server: s, client } = await connect();
    client.pause();
    // A large first message (a join's step 2) raises the allowance by its size.
    s.send(filled(2 * 2 ** 20, 7));
    const chunk = filled(32 * 1024, 8);
    let sent = 0;
    while (s.behind.length === 0 && sent < 4_000) {
      s.send(chunk);
      sent++;
    }
    expect(s.behind).toHaveLength(1);
    expect(s.behind[0]).toBeGreaterThan(BACKLOG_BYTES + 2 * 2 ** 20);
    const held = s.ws.bufferedAmount;
    for (let i = 0; i < 100; i++) s.send(chunk);
    expect(s.ws.bufferedAmount).toBe(held);
    expect(s.behind).toHaveLength(1);
    client.terminate();
  });

  it("bounds what one account's sockets hold together, below each socket's own bound, and not other accounts'", async () => {
    const backlogs = new AccountBacklogs();
    const alice: AccountOf = { backlogs, name: () => "alice" };
    const sockets = [await connect(alice), await connect(alice), await connect(alice), await connect(alice)];
    const bob = await connect({ backlogs, name: () => "bob" });
    for (const { client } of [...sockets, bob]) client.pause();
    const chunk = filled(64 * 1024, 5);
    // Each of alice's sockets in turn, while none has fallen behind: together they pass the account's bound
    // long before any one passes its own.
    let rounds = 0;
    while (sockets.every(({ server: s }) => s.behind.length === 0) && rounds < 2_000) {
      for (const { server: s } of sockets) s.send(chunk);
      rounds++;
    }
    const fell = sockets.filter(({ server: s }) => s.behind.length === 1);
    expect(fell.length).toBeGreaterThan(0);
    for (const { server: s } of fell) expect(s.behind[0]).toBeLessThan(BACKLOG_BYTES);
    const held = sockets.reduce((sum, { server: s }) => sum + s.ws.bufferedAmount, 0);
    expect(held).toBeGreaterThan(ACCOUNT_BACKLOG_BYTES);
    expect(held).toBeLessThan(ACCOUNT_BACKLOG_BYTES + sockets.length * 256 * 1024);
    // Another account sends on as before.
    for (let i = 0; i < 64; i++) bob.server.send(chunk);
    expect(bob.server.behind).toEqual([]);
    for (const { client } of [...sockets, bob]) client.terminate();
  });

  it("counts each socket's whole copy of a large document toward its account's bound: one fits, not one per socket", async () => {
    const backlogs = new AccountBacklogs();
    const carol: AccountOf = { backlogs, name: () => "carol" };
    const sockets = [await connect(carol), await connect(carol), await connect(carol), await connect(carol)];
    for (const { client } of sockets) client.pause();
    // Each joins a 14 MiB document and never reads it.
    const join = filled(14 * 2 ** 20, 6);
    for (const { server: s } of sockets) s.send(join);
    const held = sockets.filter(({ server: s }) => s.behind.length === 0);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(sockets.length);
    const buffered = sockets.reduce((sum, { server: s }) => sum + s.ws.bufferedAmount, 0);
    expect(buffered).toBeLessThanOrEqual(ACCOUNT_BACKLOG_BYTES + join.byteLength);
    for (const { client } of sockets) client.terminate();
  });

  it("claims room for a join before it is written: the account's third copy of a large document is refused before it is made", async () => {
    const backlogs = new AccountBacklogs();
    const dave: AccountOf = { backlogs, name: () => "dave" };
    const sockets = [await connect(dave), await connect(dave), await connect(dave), await connect(dave)];
    for (const { client } of sockets) client.pause();
    const size = 14 * 2 ** 20;
    // Four joins of a 14 MiB document start at once, before any is written.
    const claims = sockets.map(({ server: s }) => s.reserve(size));
    expect(claims.map((release) => release !== null)).toEqual([true, true, false, false]);
    // Claimed room counts as unsent: a third socket cannot send a copy either while the two are being written.
    sockets[2]!.server.send(filled(size, 7));
    expect(sockets[2]!.server.behind).toHaveLength(1);
    // A join given up frees its room for the next; the one still claimed keeps its own.
    claims[1]!();
    expect(sockets[3]!.server.reserve(size)).not.toBeNull();
    expect(sockets[1]!.server.reserve(size)).toBeNull();
    // Small answers claim nothing and are never refused here: the per-message bounds see them.
    for (let i = 0; i < 100; i++) expect(sockets[1]!.server.reserve(64 * 1024)).not.toBeNull();
    for (const { client } of sockets) client.terminate();
  });

  it("bounds what all accounts hold together: past it, the sockets holding the most are cut first", async () => {
    const backlogs = new AccountBacklogs(64 * 2 ** 20);
    const of = (name: string): AccountOf => ({ backlogs, name: () => name });
    const [hoarder, reader, late] = [await connect(of("erin")), await connect(of("frank")), await connect(of("grace"))];
    for (const { client } of [hoarder, reader, late]) client.pause();
    // Each is within its own account's bound; together they pass the process's.
    hoarder.server.send(filled(60 * 2 ** 20, 10));
    reader.server.send(filled(30 * 2 ** 20, 11));
    expect(hoarder.server.behind).toHaveLength(1);
    expect(reader.server.behind).toEqual([]);
    // A message larger than what everyone else holds is the one refused.
    late.server.send(filled(70 * 2 ** 20, 12));
    expect(late.server.behind).toHaveLength(1);
    expect(reader.server.behind).toEqual([]);
    for (const { client } of [hoarder, reader, late]) client.terminate();
  });

  it("sends a broadcast as one shared frame that every peer reads whole, and nothing after a close", async () => {
    const peers = [await connect(), await connect(), await connect()];
    // The fast path must be live with the `ws` this server runs: a renamed internal would quietly turn it off.
    for (const { server: s } of peers) expect(sharedFrameWriter(s.ws)).not.toBeNull();
    const broadcast = filled(330, 3);
    const own = peers.map((_, i) => filled(5, 40 + i));
    const large = filled(SHARED_FRAME_BYTES + 1, 9);
    for (const [i, { server: s }] of peers.entries()) {
      s.send(broadcast);
      s.send(own[i]!);
      s.send(large);
      s.send(broadcast);
    }
    const [first] = peers;
    first!.server.ws.close(4000, "done");
    first!.server.send(broadcast);
    expect(await first!.heard.closed).toBe(4000);
    for (const [i, { server: s, heard }] of peers.entries()) {
      if (i > 0) {
        s.ws.close(4000, "done");
        await heard.closed;
      }
      expect(heard.messages.map((m) => m.length)).toEqual([330, 5, SHARED_FRAME_BYTES + 1, 330]);
      expect(heard.messages[0]!.equals(broadcast)).toBe(true);
      expect(heard.messages[1]!.equals(own[i]!)).toBe(true);
      expect(heard.messages[2]!.equals(large)).toBe(true);
      expect(heard.messages[3]!.equals(broadcast)).toBe(true);
    }
  });
});
