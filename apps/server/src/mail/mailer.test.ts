import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { createMailer } from "./mailer.ts";

/** A real SMTP server on a free port, keeping each message it accepts: envelope and raw text. */
type Received = { from: string; to: string[]; raw: string };
const received: Received[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : "",
          to: envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("mail over SMTP", () => {
  it("delivers each message to the server, from the configured sender, and close waits for them", async () => {
    const mailer = createMailer(
      { from: "Marginalia <no-reply@marginalia.test>", transport: { kind: "smtp", url: `smtp://127.0.0.1:${port}` } },
      createLogger("silent"),
    );
    mailer.send({ to: "reader@example.org", subject: "You are invited", text: "Open https://marginalia.test/i/abc" });
    mailer.send({ to: "second@example.org", subject: "Confirm your address", text: "Open https://marginalia.test/c/def" });
    await mailer.close();
    expect(received.map((m) => [m.from, m.to])).toEqual([
      ["no-reply@marginalia.test", ["reader@example.org"]],
      ["no-reply@marginalia.test", ["second@example.org"]],
    ]);
    expect(received[0]!.raw).toContain("Subject: You are invited");
    expect(received[0]!.raw).toContain("Open https://marginalia.test/i/abc");
  });

  it("logs a message the server cannot take, and goes on with the next", async () => {
    const errors: unknown[] = [];
    const logger = createLogger("silent");
    logger.error = ((...args: unknown[]) => void errors.push(args)) as typeof logger.error;
    const closed = createMailer({ from: "no-reply@marginalia.test", transport: { kind: "smtp", url: "smtp://127.0.0.1:1" } }, logger);
    closed.send({ to: "nobody@example.org", subject: "Lost", text: "No server listens on port 1." });
    await closed.close();
    expect(errors).toHaveLength(1);

    const before = received.length;
    const working = createMailer({ from: "no-reply@marginalia.test", transport: { kind: "smtp", url: `smtp://127.0.0.1:${port}` } }, logger);
    working.send({ to: "after@example.org", subject: "Still here", text: "Delivered." });
    await working.close();
    expect(received.slice(before).map((m) => m.to)).toEqual([["after@example.org"]]);
  });
});
