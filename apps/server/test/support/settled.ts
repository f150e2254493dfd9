/**
 * How long `vi.waitFor` may wait for an outcome that goes through real I/O (a socket, a database, an SMTP
 * round trip). Its own default gives up after one second, which CI's busiest minutes (Chromium and other test
 * files beside this one) can exceed; an outcome that never comes still fails, only later.
 */
export const SETTLED = { timeout: 15_000, interval: 20 };
