import { describe, expect, it, vi } from "vitest";
import { ApiError, forbidden, notFound } from "../errors.ts";
import { CliError, UsageError } from "./command.ts";
import { progressBar } from "./progress.ts";
import { asMember, describeError, uuidArg } from "./support.ts";

describe("asMember", () => {
  it("says which account is not a member where the API would only say 'not found'", async () => {
    const check = () => Promise.reject(notFound("Article"));
    await expect(asMember("Article", "a@b.c", check)).rejects.toThrow(
      new CliError("Article not found, or a@b.c is not a member of its group"),
    );
  });

  it("names the account whose role is too weak, and lets other errors through", async () => {
    await expect(asMember("Group", "a@b.c", () => Promise.reject(forbidden("This needs the moderator role or higher")))).rejects.toThrow(
      new CliError("a@b.c: This needs the moderator role or higher"),
    );
    const other = new ApiError("conflict", "busy");
    await expect(asMember("Group", "a@b.c", () => Promise.reject(other))).rejects.toBe(other);
    await expect(asMember("Group", "a@b.c", async () => 42)).resolves.toBe(42);
  });
});

describe("describeError", () => {
  it("gives the message alone, never a stack", () => {
    expect(describeError(new CliError("No account has the email x"))).toBe("No account has the email x");
    expect(describeError(new ApiError("conflict", "An account with this email exists", "email"))).toBe("An account with this email exists");
    const crash = new TypeError("boom");
    expect(describeError(crash)).toBe("unexpected error: boom");
    expect(describeError("weird")).toBe("unexpected error: weird");
  });
});

describe("arguments and progress", () => {
  it("checks ids before they reach the database", () => {
    expect(uuidArg("--group", "0A1B2C3D-0000-4000-8000-000000000000")).toBe("0a1b2c3d-0000-4000-8000-000000000000");
    expect(() => uuidArg("--group", "42")).toThrow(new UsageError("--group: not an id"));
  });

  it("draws nothing when stderr is not a terminal", () => {
    const write = vi.spyOn(process.stderr, "write");
    const bar = progressBar("Exporting", false);
    bar.update(1, 10);
    bar.stop();
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });
});
