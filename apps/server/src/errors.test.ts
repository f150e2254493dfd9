import { describe, expect, it } from "vitest";
import { ERRORS, errorForStatus } from "./errors.ts";

describe("errorForStatus", () => {
  it("answers a status Hono raises with the code the table gives that status, so code and status agree", () => {
    for (const status of [400, 401, 403, 404, 405, 406, 408, 409, 410, 412, 413, 415, 417, 428, 429, 431, 500, 503]) {
      const error = errorForStatus(status, "raised");
      expect(error.status).toBe(status);
      expect(ERRORS[error.code]).toBe(status);
    }
    expect(errorForStatus(405, "raised").code).toBe("method_not_allowed");
    expect(errorForStatus(401, "raised").code).toBe("unauthenticated");
  });

  it("falls back to 400 or 500 for a status the table has no generic code for, never keeping a status its code does not have", () => {
    expect(errorForStatus(418, "raised")).toMatchObject({ code: "bad_request", status: 400 });
    expect(errorForStatus(502, "raised")).toMatchObject({ code: "internal", status: 500 });
  });
});
