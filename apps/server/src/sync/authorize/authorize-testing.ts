// Shared by the authorizer's tests (authorize.test.ts, authorize-integrity.test.ts): actors, the
// update a client in sync with the server would send.
import { randomUUID } from "node:crypto";
import * as Y from "yjs";
import { type Actor, createAnnotation } from "@marginalia/schema";

export const articleId = randomUUID();
export const alice = randomUUID();
export const bob = randomUUID();
export const actor = (userId: string, role: Actor["role"], extra: Partial<Actor> = {}): Actor => ({
  userId,
  role,
  moderation: "open",
  room: { kind: "group", articleId },
  ...extra,
});

/** The update a client in sync with `server` produces by running `change`. */
export function updateFrom(server: Y.Doc, change: (client: Y.Doc) => void): Uint8Array {
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const updates: Uint8Array[] = [];
  client.on("update", (u: Uint8Array) => updates.push(u));
  change(client);
  return Y.mergeUpdates(updates);
}

/** A server document holding one comment by alice. */
export function serverWithComment(kind: "comment" | "factcheck" = "comment", status: "published" | "pending" = "published") {
  const server = new Y.Doc();
  const id = createAnnotation(server, {
    kind,
    authorId: alice,
    body: "First!",
    status,
    ...(kind === "factcheck" && { factcheck: { claim: "c", verdict: "false", sources: [] } }),
  });
  return { server, id };
}
