import { describe, expect, it } from "vitest";
import { addressKey } from "./address-key.ts";

describe("address keys", () => {
  it("keys an IPv6 address by its /64, however it is written", () => {
    const key = addressKey("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:eeee:dddd:cccc")).toBe(key);
    expect(addressKey("2001:DB8:1:2:0:0:0:9")).toBe(key);
    expect(addressKey("[2001:db8:1:2::abcd]")).toBe(key);
    expect(addressKey("2001:db8:1:2::1.2.3.4")).toBe(key);
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("2001:db8:1:3::1")).not.toBe(key);
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
  });

  it("keys IPv4, bare or mapped into IPv6, by the whole IPv4 address", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:cb00:7107")).toBe("203.0.113.7");
    expect(addressKey("203.0.113.8")).not.toBe("203.0.113.7");
  });

  it("keeps what is not an address as it is", () => {
    expect(addressKey("unknown")).toBe("unknown");
    expect(addressKey("")).toBe("");
  });
});
