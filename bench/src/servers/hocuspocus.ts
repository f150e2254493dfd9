// Hocuspocus 3.4.4 with its database extension storing into the same Postgres
// as Marginalia, in a table of its own (`hocuspocus_documents`). Defaults
// otherwise: it stores a document's whole state on a debounce (2 s after the
// last change, at most 10 s apart), and has no authentication hook.
//
// For durable lag it notes, after each store, the send time of every bench
// marker that reached the database for the first time (epoch µs, as the
// generator writes them; see lib/protocol.ts).
import { Database } from "@hocuspocus/extension-database";
import { Server } from "@hocuspocus/server";
import postgres from "postgres";
import { nowMicros, scanMarkers } from "../lib/protocol.ts";
import { serveCommands } from "../lib/ipc.ts";

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error("Hocuspocus needs BENCH_DATABASE_URL");
const sql = postgres(url, { max: 10, onnotice: () => {} });
await sql`create table if not exists hocuspocus_documents (
  name text primary key,
  data bytea not null,
  updated_at timestamptz not null default now()
)`;

/** seq → seen, and the lags of measured writes that became durable, per store. */
const seenSeq = new Set<number>();
let durable: number[] = [];
let stores = 0;

const server = new Server({
  port: 0,
  address: "127.0.0.1",
  quiet: true,
  stopOnSignals: false,
  extensions: [
    new Database({
      fetch: async ({ documentName }) => {
        const [row] = await sql<{ data: Buffer }[]>`select data from hocuspocus_documents where name = ${documentName}`;
        return row ? new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) : null;
      },
      store: async ({ documentName, state }) => {
        await sql`insert into hocuspocus_documents (name, data) values (${documentName}, ${state})
          on conflict (name) do update set data = excluded.data, updated_at = now()`;
        stores++;
        const now = nowMicros();
        scanMarkers(state, 0, (_step, measured, _writer, seq, sent) => {
          if (seenSeq.has(seq)) return;
          seenSeq.add(seq);
          if (measured) durable.push((now - sent) / 1000);
        });
      },
    }),
  ],
});
await server.listen();
const { port } = server.httpServer.address() as { port: number };

serveCommands(
  {
    loaded: () => server.hocuspocus.documents.size,
    /** Durable lags noted since the last call, and resets (a new document starts its markers at 0). */
    takeDurable: () => {
      const out = { lags: durable, stores };
      durable = [];
      stores = 0;
      seenSeq.clear();
      return out;
    },
    seed: async ({ name, state }: { name: string; state: Uint8Array }) => {
      await sql`insert into hocuspocus_documents (name, data) values (${name}, ${Buffer.from(state)})
        on conflict (name) do update set data = excluded.data`;
      return true;
    },
  },
  async () => {
    await server.destroy();
    await sql.end({ timeout: 5 });
  },
);
process.send!({ type: "ready", url: `http://127.0.0.1:${port}` });
