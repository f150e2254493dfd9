import type { Intake } from "./kept-messages.ts";

/** What the sync core needs of a socket; the websocket glue provides it, with a way to pause its reading if it has one. */
export type Transport = Partial<Intake> & {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Room for a large message before it is written: null if the account's sockets cannot take it (socket-backlog.ts). */
  reserve?(bytes: number): (() => void) | null;
  /** The server shuts down: the socket is read no more, and what it sends is dropped (sync/shutdown.ts). */
  stopReading?(): void;
  /** Settles once the connection has ended, whoever closed it (for a shutdown's wait). */
  closed?: Promise<void>;
};
