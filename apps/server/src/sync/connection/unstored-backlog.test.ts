import { describe, expect, it } from "vitest";
import { createLogger } from "../../logger.ts";
import { actor, alice, articleId, bob } from "../authorize/authorize-testing.ts";
import { AccountLimits, MAX_UNSTORED_UPDATES } from "./account-limits.ts";
import { Connection } from "./connection.ts";
import { LiveDocument } from "../document/document.ts";
import { applied, quiet, typing } from "./connection-testing.ts";

const context = { docName: "article:unstored", articleId, groupId: "g", visibility: "group" as const, revision: 1 };

/** A document whose commits wait until the test lets them land, in order. */
function slowlyStored() {
  const landing: Array<() => void> = [];
  const live = new LiveDocument(context, { persist: () => new Promise<void>((resolve) => landing.push(resolve)) });
  return { live, landing };
}

function open(live: LiveDocument, userId: string, limits: AccountLimits) {
  const intake: string[] = [];
  const transport = { send: () => {}, close: () => {}, pause: () => void intake.push("pause"), resume: () => void intake.push("resume") };
  const connection = new Connection(transport, { acks: false, logger: createLogger("silent"), maxBuffered: 4_096, limits, loopShareMs: 1e9 });
  connection.open(live, actor(userId, "annotator"), { id: userId, name: userId, color: "red" }, userId);
  return { connection, intake };
}

describe("an account whose updates are not stored yet", () => {
  it("takes no more of its sockets' updates past the bound, which stop being read, until its backlog drains; other accounts go on", async () => {
    const { live, landing } = slowlyStored();
    // Shares of the loop large enough that only the backlog holds anything back.
    const limits = new AccountLimits(1e9, 1e9);
    const flooding = open(live, alice, limits);
    const sameAccount = open(live, alice, limits);
    const other = open(live, bob, limits);
    // More small updates than the bound, and more than a socket keeps before it stops reading.
    const updates = typing(MAX_UNSTORED_UPDATES + 300, "a");
    for (const update of updates) flooding.connection.receive(update);
    await quiet(live);

    expect(applied(live, "a")).toBe(MAX_UNSTORED_UPDATES + 1);
    expect(flooding.intake.at(-1)).toBe("pause");
    // Another socket of the account waits too; another account's does not.
    sameAccount.connection.receive(typing(1, "s")[0]!);
    other.connection.receive(typing(1, "b")[0]!);
    expect(applied(live, "s")).toBe(0);
    expect(applied(live, "b")).toBe(1);

    // Stored, a batch at a time: the updates are taken again once the backlog is down to a quarter, in order, all of them.
    while (landing.length) {
      for (const land of landing.splice(0)) land();
      await quiet(live);
    }
    expect(applied(live, "a")).toBe(updates.length);
    expect(applied(live, "s")).toBe(1);
    expect(flooding.intake.at(-1)).toBe("resume");
    live.destroy();
  });
});
