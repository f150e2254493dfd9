import type { Transporter } from "nodemailer";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { deliverToFolder } from "./mailbox.ts";
import type { MailMessage } from "./message.ts";
import { MAIL_RETRY_DEFAULTS, type MailRetryOptions, retryingDelivery } from "./retries.ts";

export type Mailer = {
  /**
   * Hands a message over for delivery and returns at once. A request never waits on a mail server:
   * a slow one would hold the request, and how long a request takes must not tell whether it mailed
   * a new person or an existing account (docs/architecture.md, "Accounts"). A transient failure is
   * tried again later (retries.ts).
   */
  send(message: MailMessage): void;
  /** Waits for the tries under way, at most `waitMs`; messages waiting for a later try, or still going then, are logged. */
  close(waitMs?: number): Promise<void>;
};

export function createMailer(config: Config["mail"], logger: Logger, options: Partial<MailRetryOptions> = {}): Mailer {
  return retryingDelivery(transportFor(config, logger), logger, { ...MAIL_RETRY_DEFAULTS, ...options });
}

function transportFor(config: Config["mail"], logger: Logger): (message: MailMessage) => Promise<void> {
  const { transport, from } = config;
  switch (transport.kind) {
    case "log":
      // No mail server configured (the try-it-out mode): the link a person needs is in the server's output.
      return async (message) => logger.info({ mail: message }, `mail to ${message.to}: ${message.subject}`);
    case "folder":
      return (message) => deliverToFolder(transport.dir, message);
    case "smtp": {
      // nodemailer is loaded with the first message (about 3 MB of heap), not by every server that never mails.
      let smtp: Promise<Transporter> | undefined;
      return async (message) => {
        // nodemailer waits 10 minutes for a silent server by default: a try that hangs holds its message (and a
        // shutdown) that long. Bounded, a silent server fails the try, which is tried again later (retries.ts).
        smtp ??= import("nodemailer").then(({ createTransport }) => createTransport({ url: transport.url, ...SMTP_TIMEOUTS }));
        await (await smtp).sendMail({ from, ...message });
      };
    }
  }
}

/** Milliseconds: to connect, for the server's greeting, and of silence once talking (a URL's own query may set them). */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
