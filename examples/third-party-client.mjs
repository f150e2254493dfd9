// A client written from docs/sync.md alone, using only yjs, y-websocket and ws:
// it signs up, opens an article, creates an annotation, and waits until a second
// client sees it. Usage: node third-party-client.mjs <baseUrl> <email> <password> <articleId>
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

const [baseUrl, email, password, articleId] = process.argv.slice(2);

async function login() {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  // Named __Host-marginalia_session on https: send it back under the name it came with.
  const cookie = res.headers.getSetCookie().find((c) => /^(__Host-)?marginalia_session=/.test(c));
  return cookie.split(";")[0];
}

function connect(url, room, token) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    params: { token },
  });
  const synced = new Promise((resolve) => provider.on("sync", (ok) => ok && resolve()));
  return { doc, provider, synced };
}

const cookie = await login();
const article = await (await fetch(`${baseUrl}/api/articles/${articleId}`, { headers: { cookie } })).json();
// Sockets take an API token in the URL, never the session (docs/sync.md, "Connect").
const created = await fetch(`${baseUrl}/api/tokens`, {
  method: "POST",
  headers: { cookie, "content-type": "application/json" },
  body: JSON.stringify({ name: "third-party client" }),
});
if (!created.ok) throw new Error(`token failed: ${created.status}`);
const { token } = await created.json();

const writer = connect(article.sync.url, article.sync.room, token);
const watcher = connect(article.sync.url, article.sync.room, token);
await Promise.all([writer.synced, watcher.synced]);

// One transaction: the map, its fields and its body text travel as one update.
const id = `tp-${Date.now()}`;
writer.doc.transact(() => {
  const map = new Y.Map();
  writer.doc.getMap("annotations").set(id, map);
  const now = Date.now();
  for (const [key, value] of Object.entries({
    // The document names you by your member id in the article's group (docs/sync.md, "The document layout").
    id, kind: "comment", authorId: article.memberId, createdAt: now, updatedAt: now,
    target: null, tags: ["third-party"], color: null, factcheck: null,
    status: "published", resolved: false, parentId: null,
  })) map.set(key, value);
  map.set("body", new Y.Text("Written by a third-party client"));
});

const seen = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("the second client never saw it")), 5000);
  const check = () => {
    const map = watcher.doc.getMap("annotations").get(id);
    if (map) {
      clearTimeout(timer);
      resolve(map.get("body").toString());
    }
  };
  watcher.doc.on("update", check);
  check();
});
console.log(`second client saw: ${seen}`);
writer.provider.destroy();
watcher.provider.destroy();
process.exit(0);
