import type { Transporter } from "nodemailer";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { deliverToFolder } from "./mailbox.ts";
import type { MailMessage } from "./message.ts";

export type Mailer = {
  /**
   * Hands a message over for delivery and returns at once. A request never waits on a mail server:
   * a slow one would hold the request, and how long a request takes must not tell whether it mailed
   * a new person or an existing account (docs/architecture.md, "Accounts").
   */
  send(message: MailMessage): void;
  /** Waits for the messages still on their way. */
  close(): Promise<void>;
};

export function createMailer(config: Config["mail"], logger: Logger): Mailer {
  const deliver = transportFor(config, logger);
  const inFlight = new Set<Promise<void>>();
  return {
    send(message) {
      const delivery = deliver(message)
        .catch((err) => logger.error({ err, to: message.to, subject: message.subject }, "mail not delivered"))
        .finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    },
    async close() {
      await Promise.allSettled([...inFlight]);
    },
  };
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
        smtp ??= import("nodemailer").then(({ createTransport }) => createTransport(transport.url));
        await (await smtp).sendMail({ from, ...message });
      };
    }
  }
}
