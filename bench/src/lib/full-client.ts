// The generator's full clients: real providers with a real Y.Doc, awareness off, to check that
// every annotation really arrives (the lightweight receivers only find markers in bytes).
import { HocuspocusProvider } from "@hocuspocus/provider";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { Endpoint } from "./protocol.ts";

export type Full = { doc: Y.Doc; destroy(): void };

/** A provider on `ep`'s room, resolved once it has synced. */
export async function openFullClient(ep: Endpoint): Promise<Full> {
  const doc = new Y.Doc();
  if (ep.kind === "hocuspocus") {
    const provider = new HocuspocusProvider({
      url: ep.origin,
      name: ep.docName,
      document: doc,
      token: ep.token,
      awareness: null,
      WebSocketPolyfill: WebSocket,
    } as ConstructorParameters<typeof HocuspocusProvider>[0]);
    await new Promise<void>((resolve) => provider.on("synced", () => resolve()));
    return { doc, destroy: () => provider.destroy() };
  }
  const { Awareness } = await import("y-protocols/awareness");
  const awareness = new Awareness(doc);
  awareness.setLocalState(null);
  const serverUrl = ep.kind === "marginalia" ? `${ep.origin}/sync` : ep.origin;
  const provider = new WebsocketProvider(serverUrl, ep.docName, doc, {
    params: ep.kind === "marginalia" ? { token: ep.token } : {},
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    awareness,
    disableBc: true,
  });
  await new Promise<void>((resolve) => provider.once("sync", () => resolve()));
  return { doc, destroy: () => provider.destroy() };
}
