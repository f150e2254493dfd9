import type { WSContext } from "hono/ws";
import { sharedFrameWriter } from "./shared-frames.ts";

/**
 * Unsent bytes a socket may hold beyond the largest message it was sent (a
 * join's sync step 2 can be megabytes) before it counts as fallen behind.
 */
export const BACKLOG_BYTES = 8 * 2 ** 20;

/**
 * How a socket sends a sync message, with a bound on what waits for it. A
 * peer that reads more slowly than its document changes, or not at all, would
 * otherwise have every broadcast buffered for it without end: with writers
 * sending large updates, one such socket per room holds memory as fast as
 * they write. `bufferedAmount` is what `ws` has not yet handed to the kernel;
 * past BACKLOG_BYTES beyond the largest message sent so far, `fellBehind` is
 * called once instead of sending, and nothing more is sent. Small messages go
 * out as frames shared with the other sockets they are sent to (shared-frames.ts).
 */
export function sendWithBacklogLimit(ws: WSContext, fellBehind: (unsent: number) => void, account?: AccountOf): (message: Uint8Array) => void {
  const raw = ws.raw as RawSocket | undefined;
  const writeFrame = sharedFrameWriter(raw);
  const held: Held = { raw, largest: 0 };
  let behind = false;
  return (message) => {
    if (behind) return;
    const unsent = raw?.bufferedAmount ?? 0;
    const adding = message.byteLength;
    if (unsent > BACKLOG_BYTES + held.largest || (unsent + adding > ACCOUNT_CHECK_FROM && account && overAccount(account, held, adding))) {
      behind = true;
      fellBehind(unsent);
      return;
    }
    if (message.byteLength > held.largest) held.largest = message.byteLength;
    if (!writeFrame?.(message)) ws.send(message as Uint8Array<ArrayBuffer>);
  };
}

/**
 * What one account's sockets may hold unsent together, beyond the largest single message among them: one
 * socket's join (the whole document) fits, but not one for each of 32 sockets that never read. Without it
 * they held 32 times BACKLOG_BYTES (about 300 MB), and 32 copies of a large document besides (a 14 MiB
 * document: 634 MB).
 */
export const ACCOUNT_BACKLOG_BYTES = 24 * 2 ** 20;
/** A socket's own backlog, with the message being sent, past which its account's is added up: below it, a send costs one read. */
const ACCOUNT_CHECK_FROM = 2 ** 20;

type RawSocket = { bufferedAmount?: number; readyState?: number };
type Held = { raw: RawSocket | undefined; largest: number };
/** The account a socket writes as (null until it is admitted), and where its account's sockets are kept. */
export type AccountOf = { backlogs: AccountBacklogs; name: () => string | null };

/** Each account's sockets on this process, for what they hold unsent together. */
export class AccountBacklogs {
  private readonly byAccount = new Map<string, Set<Held>>();

  /**
   * Whether `adding` more bytes to `held`'s socket takes the account's open sockets past what they may hold
   * unsent together; `held` is counted among them from now on.
   */
  over(account: string, held: Held, adding: number): boolean {
    let sockets = this.byAccount.get(account);
    if (!sockets) this.byAccount.set(account, (sockets = new Set()));
    sockets.add(held);
    let total = adding;
    let largest = adding;
    for (const other of sockets) {
      // Closed sockets are dropped here rather than on close: the sender knows nothing of its socket's end.
      if (!other.raw || (other.raw.readyState ?? 1) > 1) {
        sockets.delete(other);
        continue;
      }
      total += other.raw.bufferedAmount ?? 0;
      if (other.largest > largest) largest = other.largest;
    }
    if (sockets.size === 0) this.byAccount.delete(account);
    return total > ACCOUNT_BACKLOG_BYTES + largest;
  }
}

function overAccount(account: AccountOf, held: Held, adding: number): boolean {
  const name = account.name();
  return name !== null && account.backlogs.over(name, held, adding);
}
