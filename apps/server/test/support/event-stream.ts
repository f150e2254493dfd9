/** One Server-Sent Event as a client parses it; comment lines (heartbeats) are counted apart. */
export type StreamEvent = { event: string; data: string; id?: string };

export type EventStreamClient = {
  status: number;
  events: StreamEvent[];
  comments: () => number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
};

/** Opens `url` as an EventSource would (GET, Accept: text/event-stream) and parses what arrives. */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  const events: StreamEvent[] = [];
  let comments = 0;
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          const lines = block.split("\n");
          if (lines.every((line) => line.startsWith(":"))) {
            comments++;
            continue;
          }
          const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
          events.push({ event: field("event")[0] ?? "message", data: field("data").join("\n"), id: field("id")[0] });
        }
      }
    } catch {}
  })();
  return { status: res.status, events, comments: () => comments, ended, close: () => abort.abort() };
}
