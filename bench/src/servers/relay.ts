// The bare relay: @y/websocket-server 0.1.1 as its own bin runs it, with no
// authorization and no persistence (YPERSISTENCE unset), on a free port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { docs, setupWSConnection } from "@y/websocket-server/utils";
import { serveCommands } from "../lib/ipc.ts";

const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("okay");
});
wss.on("connection", setupWSConnection);
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;

serveCommands(
  { loaded: () => docs.size },
  async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  },
);
process.send!({ type: "ready", url: `http://127.0.0.1:${port}` });
