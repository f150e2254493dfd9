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
export function sendWithBacklogLimit(ws: WSContext, fellBehind: (unsent: number) => void, account?: AccountOf): BacklogSender {
  const raw = ws.raw as RawSocket | undefined;
  const writeFrame = sharedFrameWriter(raw);
  let behind = false;
  const cut = () => {
    if (behind) return;
    behind = true;
    fellBehind(raw?.bufferedAmount ?? 0);
  };
  const held: Held = { raw, largest: 0, cut };
  const send = (message: Uint8Array) => {
    if (behind) return;
    const unsent = raw?.bufferedAmount ?? 0;
    const adding = message.byteLength;
    if (unsent > BACKLOG_BYTES + held.largest || (unsent + adding > ACCOUNT_CHECK_FROM && account && overAccount(account, held, adding))) {
      return cut();
    }
    if (message.byteLength > held.largest) held.largest = message.byteLength;
    if (!writeFrame?.(message)) ws.send(message as Uint8Array<ArrayBuffer>);
  };
  const reserve = (bytes: number) => {
    const name = account?.name() ?? null;
    if (!account || name === null || (raw?.bufferedAmount ?? 0) + bytes <= ACCOUNT_CHECK_FROM) return () => {};
    return account.backlogs.reserve(name, held, bytes);
  };
  return { send, reserve };
}

/**
 * `send` sends with the bounds above. `reserve` claims room for a message about to be written, such as a
 * join's copy of the whole document, before it is written: null when the account's sockets could not take
 * it, else a release to call just before it is sent (or given up). Without it, joins checked only once
 * written each made their copy first: 31 sockets joining a 14 MiB document at once held 200–285 MiB more
 * for a moment, before all but two were refused.
 */
export type BacklogSender = { send: (message: Uint8Array) => void; reserve: (bytes: number) => (() => void) | null };

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
type Held = { raw: RawSocket | undefined; largest: number; cut: () => void };
/** The account a socket writes as (null until it is admitted), and where its account's sockets are kept. */
export type AccountOf = { backlogs: AccountBacklogs; name: () => string | null };

/**
 * What all accounts' sockets on a process may hold unsent together. Each account's bound alone lets many
 * accounts hold memory without end; past this, the sockets holding the most are cut first, which are those
 * that stopped reading, not the ones that read and drain.
 */
export const PROCESS_BACKLOG_BYTES = 512 * 2 ** 20;

/** Each account's sockets on this process, for what they hold unsent together, and the process's bound over all of them. */
export class AccountBacklogs {
  private readonly byAccount = new Map<string, Set<Held>>();
  /** Room claimed for messages being written (`BacklogSender.reserve`), counted as if already unsent. */
  private readonly reserved = new Map<string, Set<{ bytes: number }>>();
  /**
   * What the process's tracked sockets held unsent when first added up this turn, plus what was added since:
   * a broadcast of a large update to many such sockets adds them up once, not once per socket.
   */
  private processTotal: number | null = null;

  constructor(private readonly processBytes = PROCESS_BACKLOG_BYTES) {}

  /** Claims `bytes` for `held`'s socket unless that takes the account past its bound (`over`); null if it does. */
  reserve(account: string, held: Held, bytes: number): (() => void) | null {
    if (this.over(account, held, bytes)) return null;
    let claims = this.reserved.get(account);
    if (!claims) this.reserved.set(account, (claims = new Set()));
    const claim = { bytes };
    claims.add(claim);
    return () => {
      claims.delete(claim);
      if (claims.size === 0 && this.reserved.get(account) === claims) this.reserved.delete(account);
    };
  }

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
    for (const claim of this.reserved.get(account) ?? []) {
      total += claim.bytes;
      if (claim.bytes > largest) largest = claim.bytes;
    }
    for (const other of this.open(account)) {
      total += other.raw?.bufferedAmount ?? 0;
      if (other.largest > largest) largest = other.largest;
    }
    return total > ACCOUNT_BACKLOG_BYTES + largest || this.overProcess(held, adding);
  }

  /**
   * The account's open sockets. Closed ones are dropped as they are met rather than on close (the sender
   * knows nothing of its socket's end), and so is an account left with none.
   */
  private *open(account: string): Generator<Held> {
    const sockets = this.byAccount.get(account);
    if (!sockets) return;
    for (const socket of sockets) {
      if (socket.raw && (socket.raw.readyState ?? 1) <= 1) yield socket;
      else sockets.delete(socket);
    }
    if (sockets.size === 0) this.byAccount.delete(account);
  }

  /**
   * Whether `adding` on `held`'s socket takes the process past its bound once the sockets holding more than
   * it are cut; those are cut as a side effect. Only sockets that once held over ACCOUNT_CHECK_FROM are
   * tracked, so the rest hold at most that much each.
   */
  private overProcess(held: Held, adding: number): boolean {
    if (this.processTotal === null) {
      this.processTotal = this.addUp().total;
      queueMicrotask(() => (this.processTotal = null));
    }
    this.processTotal += adding;
    if (this.processTotal <= this.processBytes) return false;
    const { total, holders } = this.addUp(held, adding);
    let left = total;
    for (const { socket, unsent } of holders.sort((a, b) => b.unsent - a.unsent)) {
      if (left <= this.processBytes) break;
      if (socket === held) return true;
      socket.cut();
      left -= unsent;
    }
    this.processTotal = left;
    return left > this.processBytes;
  }

  /** What every tracked open socket holds unsent, and every claim, with `adding` counted on `held`. */
  private addUp(held?: Held, adding = 0) {
    let total = 0;
    for (const claims of this.reserved.values()) for (const claim of claims) total += claim.bytes;
    const holders: Array<{ socket: Held; unsent: number }> = [];
    for (const account of [...this.byAccount.keys()]) {
      for (const socket of this.open(account)) {
        const unsent = (socket.raw?.bufferedAmount ?? 0) + (socket === held ? adding : 0);
        total += unsent;
        holders.push({ socket, unsent });
      }
    }
    return { total, holders };
  }
}

function overAccount(account: AccountOf, held: Held, adding: number): boolean {
  const name = account.name();
  return name !== null && account.backlogs.over(name, held, adding);
}
