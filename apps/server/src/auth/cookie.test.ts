import { describe, expect, it } from "vitest";
import { cookieValues } from "./cookie.ts";

describe("cookieValues", () => {
  it("gives every value of the name, in order, and nothing of names that only contain it", () => {
    const header = "marginalia_session=planted; theme=dark;marginalia_session=real ; xmarginalia_session=no; marginalia_session_old=no";
    expect(cookieValues(header, "marginalia_session")).toEqual(["planted", "real"]);
  });

  it("unquotes a quoted value and decodes percent-encoding, keeping a value that does not decode as sent", () => {
    expect(cookieValues('a="quoted value"', "a")).toEqual(["quoted value"]);
    expect(cookieValues("a=caf%C3%A9%3Bx", "a")).toEqual(["café;x"]);
    expect(cookieValues("a=100%; a=%E0%A4%A", "a")).toEqual(["100%", "%E0%A4%A"]);
    // One quote is no quoting: the value is kept with it.
    expect(cookieValues('a="half', "a")).toEqual(['"half']);
  });

  it("keeps an empty value, skips pairs without '=', and reads a missing header as none", () => {
    expect(cookieValues("a=; b; a", "a")).toEqual([""]);
    expect(cookieValues(undefined, "a")).toEqual([]);
    expect(cookieValues("", "a")).toEqual([]);
  });
});
