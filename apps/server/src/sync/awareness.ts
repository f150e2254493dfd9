import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export type Identity = { id: string; name: string; color: string };

/** A stable, readable colour per user, so that everyone sees the same person in the same colour. */
export function colorFor(userId: string): string {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 42%)`;
}

/**
 * Rewrites an awareness update so that every state it carries names the
 * authenticated user, whatever the client claimed (architecture §3). States
 * for client ids that belong to another connection are dropped. The format is
 * y-protocols' awareness encoding: a count, then (clientID, clock, JSON state).
 */
export function stampAwarenessUpdate(
  update: Uint8Array,
  identity: Identity,
  mayControl: (clientId: number) => boolean,
): { update: Uint8Array; clientIds: number[] } {
  const decoder = decoding.createDecoder(update);
  const encoder = encoding.createEncoder();
  const count = decoding.readVarUint(decoder);
  const kept: Array<[number, number, string]> = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const raw = decoding.readVarString(decoder);
    if (!mayControl(clientId)) continue;
    const state = JSON.parse(raw) as unknown;
    const stamped =
      state !== null && typeof state === "object" && !Array.isArray(state) ? { ...state, user: identity } : null;
    kept.push([clientId, clock, JSON.stringify(stamped)]);
  }
  encoding.writeVarUint(encoder, kept.length);
  for (const [clientId, clock, json] of kept) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return { update: encoding.toUint8Array(encoder), clientIds: kept.map(([id]) => id) };
}
