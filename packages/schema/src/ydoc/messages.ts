/**
 * Message types on the socket. 0–3 are y-websocket's; Marginalia adds two,
 * each sent only to clients that ask for it (`?acks=1`, `?roles=1`), because
 * stock clients log every type they do not know.
 */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;
/** `[100, varUint n]`: the first n update-bearing messages of this connection are durable. */
export const MESSAGE_ACK = 100;
/**
 * `[101, varString role]`: the role this connection acts with, sent when it opens and whenever it changes
 * while it stays open (docs/sync.md, "Close codes"), so that a client offers only what the server will take.
 */
export const MESSAGE_ROLE = 101;

/** Websocket close codes a client should understand (docs/sync.md). */
export const SYNC_CLOSE_CODES = {
  internal: 1011,
  badMessage: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  notFound: 4404,
  /** The group's member ids were drawn afresh (anonymity turned on): fetch your member id again, then rejoin. */
  membersRenamed: 4409,
  /** The article (or its group) was deleted while the socket was open. */
  gone: 4410,
  /**
   * A message over the socket's frame limit (1 MiB; 4 MiB for the answer to the server's step 1), or a
   * presence (awareness) state over 4 KiB. Within 4400–4499, so providers stop: the same message would come back.
   */
  tooLarge: 4413,
  /**
   * A message over 1 MiB (and within 4 MiB) that this socket could not take now: only the answer to the
   * server's step 1 may be larger, and only while the socket takes one (docs/sync.md, "Large updates").
   * Outside 4400–4499: on reconnecting, a provider sends its work as that answer.
   */
  largeRetry: 4513,
  /** An update the database would not store (it breaks one of its rules); the rest of the document is saved. */
  notStored: 4422,

  /**
   * More of this socket's messages waited than it may keep (a burst faster than its share of the server, or
   * sent before its document was ready): 4,096 messages or 8 MiB. Nothing it sent was refused. Outside
   * 4400–4499, so providers reconnect on their own, and send what the server lacks as one update.
   */
  busy: 4529,
  /**
   * More open sockets than one account may have on this server (32). Outside 4400–4499, so providers try
   * again, backing off, and get in once one of the account's other sockets closes.
   */
  tooManyConnections: 4530,
  /**
   * The socket took too long to join, or did not answer a ping by the next one. Outside 4400–4499: a client
   * that was asleep or cut off reconnects on its own.
   */
  timeout: 4508,
  /** The client read more slowly than its document changed: more than 8 MiB waited unsent for it. Outside 4400–4499, so providers reconnect on their own. */
  backlog: 4507,
  /**
   * The group's settings changed (its review quorum), which decide where new work goes: read them again and
   * reconnect. Outside 4400–4499, so providers reconnect on their own.
   */
  settingsChanged: 4511,
  /**
   * What you sent could not be judged on this server yet: it names an article revision whose text is still
   * loading here. Nothing of yours was refused; reconnect and it is judged again. Outside 4400–4499, so
   * providers reconnect on their own, and resend what the server lacks.
   */
  retryLater: 4503,
} as const;
