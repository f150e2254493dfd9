import { describe, expect, it } from "vitest";
import { eventually } from "./support/sync-client.ts";
import { twoProcesses, twoProcessesMissing } from "./support/two-processes.ts";

/**
 * Two server processes on one Redis count the mails asked for one address together (docs/architecture.md,
 * "More than one process"): sign-ups spread over both do not mail the address twice as often.
 */

const missing = twoProcessesMissing("shared-limits-processes.test");

/** The mails one address may be sent per window (rate-limit.ts, DEFAULT_RATE_LIMITS). */
const MAILS_PER_ADDRESS = 5;
const LIMITS_CONNECTED = /"role":"limits"[^\n]*"msg":"redis connected"/;

describe.runIf(!missing)("mail limits across two server processes", () => {
  const servers = twoProcesses();

  it("refuses the sixth sign-up mail to one address, whichever process is asked", async () => {
    const { a, b } = servers;
    // Until its own connection is up, a process counts alone.
    await eventually(() => expect([a, b].map((server) => LIMITS_CONNECTED.test(server.output()))).toEqual([true, true]), 10_000);
    const signUp = async (url: string) => {
      const res = await fetch(`${url}/api/auth/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "mailbox@example.org", name: "Someone", password: "a long enough passphrase" }),
      });
      return res.status;
    };
    const statuses: number[] = [];
    for (let i = 0; i <= MAILS_PER_ADDRESS; i++) statuses.push(await signUp((i % 2 ? b : a).url));
    expect(statuses).toEqual([...Array<number>(MAILS_PER_ADDRESS).fill(202), 429]);
    expect(await signUp(a.url)).toBe(429);
  }, 60_000);
});
