import { type Browser, type Locator, request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeFindings } from "./support/axe.ts";
import { announceSkip, chromiumSuite, newUserPage, screenshot, skipBrowserSuites } from "./support/browser.ts";
import { type TestUser, call, signUpApi } from "./support/flows.ts";

const NEW_PASSWORD = "a new and longer passphrase";

announceSkip("the account screen");

/** A request from nowhere: no cookie, so that only what it sends (a password, a token) can sign it in. */
async function anonymous(base: string, method: string, route: string, options: { data?: unknown; token?: string } = {}) {
  const context = await request.newContext();
  try {
    const res = await context.fetch(base + route, {
      method,
      ...(options.data !== undefined && { data: options.data }),
      ...(options.token && { headers: { authorization: `Bearer ${options.token}` } }),
    });
    return { status: res.status(), body: res.status() === 200 ? ((await res.json()) as { user?: { id: string } }) : null };
  } finally {
    await context.dispose();
  }
}
const loginStatus = async (base: string, email: string, password: string) => (await anonymous(base, "POST", "/api/auth/login", { data: { email, password } })).status;
const tokenStatus = async (base: string, token: string) => (await anonymous(base, "GET", "/api/me", { token })).status;

/** The same user signed in a second time, in a browser context of its own: another device. */
async function otherDevice(browser: Browser, base: string, user: TestUser) {
  const context = await browser.newContext();
  await call(context, base, "POST", "/api/auth/login", { email: user.email, password: user.password });
  const signedIn = async () => (await context.request.get(`${base}/api/me`)).status();
  expect(await signedIn()).toBe(200);
  return { context, signedIn };
}

/** The text of the elements a control's aria-describedby names, in order. */
const description = (control: Locator) =>
  control.evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? `(no #${id})`)
      .join(" | "),
  );
const isFocused = (control: Locator) => control.evaluate((el) => el === document.activeElement);

describe.skipIf(skipBrowserSuites)("the account screen, in Chromium", () => {
  const suite = chromiumSuite();

  it("changes the password: errors sit under their fields, the old password stops working, other sessions end, this one carries on", async () => {
    const { base, browser } = suite;
    const a = await newUserPage(browser);
    const ada = await signUpApi(a.context, base, "Ada");
    const phone = await otherDevice(browser, base, ada);
    const { token } = await call<{ token: string }>(a.context, base, "POST", "/api/tokens", { name: "Kept script" });
    let attempts = 0;
    a.page.on("request", (req) => {
      if (req.url().endsWith("/api/auth/password")) attempts++;
    });

    // The name in the top bar leads to the screen.
    await a.page.goto(`${base}/`);
    const link = a.page.getByRole("banner").getByRole("link", { name: `${ada.name}, account` });
    await link.waitFor();
    expect(await link.getByText(ada.name, { exact: true }).isVisible()).toBe(true);
    await link.click();
    await a.page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
    expect(new URL(a.page.url()).pathname).toBe("/account");
    const profile = a.page.getByRole("region", { name: "Profile" });
    expect(await profile.getByLabel("Name").inputValue()).toBe(ada.name);
    expect(await profile.textContent()).toContain(ada.email);
    // A new name is saved, and the top bar follows.
    await profile.getByLabel("Name").fill(`${ada.name} Lovelace`);
    await profile.getByRole("button", { name: "Save name" }).click();
    await expect.poll(() => profile.getByRole("status").textContent()).toBe("Name saved.");
    await a.page.getByRole("banner").getByRole("link", { name: `${ada.name} Lovelace, account` }).waitFor();
    expect((await call<{ user: { name: string } }>(a.context, base, "GET", "/api/me")).user.name).toBe(`${ada.name} Lovelace`);
    await profile.getByLabel("Name").fill("Line\u202Ebreak");
    await profile.getByRole("button", { name: "Save name" }).click();
    await expect.poll(() => profile.getByRole("alert").textContent()).toMatch(/name/i);
    await profile.getByLabel("Name").fill(ada.name);
    await profile.getByRole("button", { name: "Save name" }).click();
    await expect.poll(() => profile.getByRole("status").textContent()).toBe("Name saved.");

    const form = a.page.getByRole("form", { name: "Change password" });
    const current = form.getByLabel("Current password");
    const fresh = form.getByLabel("New password", { exact: true });
    const again = form.getByLabel("New password again");
    const submit = form.getByRole("button", { name: "Change password" });
    expect(await description(fresh)).toBe("At least 8 characters.");

    // Two different new passwords: said under the second, and nothing is sent.
    await current.fill(ada.password);
    await fresh.fill(NEW_PASSWORD);
    await again.fill(`${NEW_PASSWORD}!`);
    await submit.click();
    await expect.poll(() => again.getAttribute("aria-invalid")).toBe("true");
    expect(await description(again)).toBe("This is not the new password typed above. Type the same password in both fields.");
    expect(await isFocused(again)).toBe(true);
    expect(attempts).toBe(0);

    // A wrong current password: the server's answer, under that field.
    await current.fill("not my password at all");
    await again.fill(NEW_PASSWORD);
    await submit.click();
    await expect.poll(() => current.getAttribute("aria-invalid")).toBe("true");
    expect(await description(current)).toBe("The current password is wrong");
    expect(await form.getByRole("alert").textContent()).toBe("The current password is wrong");
    expect(await isFocused(current)).toBe(true);
    expect(await again.getAttribute("aria-invalid")).toBeNull();
    expect(attempts).toBe(1);
    expect(await loginStatus(base, ada.email, ada.password)).toBe(200);

    // The right one: changed, said in the status line, and the fields emptied.
    await current.fill(ada.password);
    await fresh.fill(NEW_PASSWORD);
    await again.fill(NEW_PASSWORD);
    await submit.click();
    const status = a.page.getByRole("region", { name: "Change password" }).getByRole("status");
    await expect.poll(() => status.textContent()).toBe("Password changed. You are signed out on every other device; this one stays signed in.");
    expect(attempts).toBe(2);
    expect([await current.inputValue(), await fresh.inputValue(), await again.inputValue()]).toEqual(["", "", ""]);
    expect(await current.getAttribute("aria-invalid")).toBeNull();
    await screenshot(a.page, "account-password-changed");

    // A server error on a field with a hint: the hint is still read, then the error, without the field's name.
    const tooWeak = { error: { code: "validation_failed", message: "newPassword: Too weak", field: "newPassword" } };
    await a.page.route("**/api/auth/password", (route) => route.fulfill({ status: 400, json: tooWeak }));
    await current.fill(NEW_PASSWORD);
    await fresh.fill("abcdefgh");
    await again.fill("abcdefgh");
    await submit.click();
    await expect.poll(() => fresh.getAttribute("aria-invalid")).toBe("true");
    expect(await description(fresh)).toBe("At least 8 characters. | Too weak");
    expect(await isFocused(fresh)).toBe(true);
    await a.page.unroute("**/api/auth/password");

    expect(await loginStatus(base, ada.email, ada.password)).toBe(401);
    expect(await loginStatus(base, ada.email, NEW_PASSWORD)).toBe(200);
    expect(await phone.signedIn()).toBe(401);
    expect((await a.context.request.get(`${base}/api/me`)).status()).toBe(200);
    // Tokens stay unless asked: the box was left unticked.
    expect(await tokenStatus(base, token)).toBe(200);
    await a.page.reload();
    await a.page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
    expect(a.errors).toEqual([]);
    await phone.context.close();
    await a.context.close();
  }, 60_000);

  it("at 390 px creates a token, shows its secret once with a copy button, and revokes it after a confirmation", async () => {
    const { base, browser } = suite;
    const a = await newUserPage(browser);
    const ada = await signUpApi(a.context, base, "Ada");
    await a.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await a.page.setViewportSize({ width: 390, height: 844 });

    // On a phone the top bar has no room for the name: the link shows "Account" instead.
    await a.page.goto(`${base}/`);
    const link = a.page.getByRole("banner").getByRole("link", { name: `${ada.name}, account` });
    await link.waitFor();
    expect(await link.getByText("Account", { exact: true }).isVisible()).toBe(true);
    expect(await link.getByText(ada.name, { exact: true }).isVisible()).toBe(false);
    await link.click();
    await a.page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
    const tokens = a.page.getByRole("region", { name: "API tokens" });
    await tokens.getByText("You have no API tokens.").waitFor();

    await tokens.getByLabel("Token name").fill("Nightly export");
    await tokens.getByRole("button", { name: "Create token" }).click();
    const shown = tokens.getByRole("group", { name: "Token “Nightly export” created" });
    await shown.waitFor();
    expect(await shown.textContent()).toContain("Copy it now: you will not see it again.");
    expect(await a.page.evaluate(() => document.activeElement?.textContent)).toBe("Token “Nightly export” created");
    const secret = (await shown.locator("code").textContent()) ?? "";
    expect(secret).toMatch(/^mgt_\S{20,}$/);
    expect(await tokens.getByLabel("Token name").inputValue()).toBe("");
    await shown.getByRole("button", { name: "Copy token" }).click();
    await expect.poll(() => shown.getByRole("status").textContent()).toBe("Copied to the clipboard.");
    expect(await a.page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const row = tokens.getByRole("list", { name: "Your API tokens" }).getByRole("listitem");
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/^Nightly exportCreated just now · never used/);
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(a.page, "account-token-created-narrow");
    expect(await axeFindings(a.page, "account at 390, a new token shown")).toEqual([]);

    // The secret is the user's credential.
    const me = await anonymous(base, "GET", "/api/me", { token: secret });
    expect(me.status).toBe(200);
    expect(me.body?.user?.id).toBe(ada.id);

    // Shown once: gone after a reload, and the list tells that it was used.
    await a.page.reload();
    await row.waitFor();
    expect(await tokens.getByRole("group").count()).toBe(0);
    expect(await a.page.content()).not.toContain(secret);
    expect(await row.textContent()).toMatch(/last used just now/);

    // Revoking asks first; Cancel revokes nothing and gives the focus back.
    const revoke = row.getByRole("button", { name: "Revoke Nightly export" });
    await revoke.click();
    const confirm = row.getByRole("group", { name: "Confirm revoking Nightly export" });
    expect(await confirm.textContent()).toContain("Revoke “Nightly export”? Whatever uses it stops working.");
    expect(await isFocused(confirm.getByRole("button", { name: "Revoke token" }))).toBe(true);
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await isFocused(revoke)).toBe(true);
    expect(await tokenStatus(base, secret)).toBe(200);

    await revoke.click();
    await confirm.getByRole("button", { name: "Revoke token" }).click();
    await tokens.getByText("You have no API tokens.").waitFor();
    expect(await tokens.getByRole("status").textContent()).toBe("Revoked “Nightly export”: whatever uses it is refused from now on.");
    expect(await tokenStatus(base, secret)).toBe(401);
    expect(a.errors).toEqual([]);
    await a.context.close();
  }, 60_000);

  it("signs out everywhere after a confirmation, with the API tokens when asked, and lands on the sign-in page", async () => {
    const { base, browser } = suite;
    const a = await newUserPage(browser);
    const ada = await signUpApi(a.context, base, "Ada");
    const phone = await otherDevice(browser, base, ada);
    const { token } = await call<{ token: string }>(a.context, base, "POST", "/api/tokens", { name: "Laptop script" });

    await a.page.goto(`${base}/account`);
    const panel = a.page.getByRole("region", { name: "Sign out everywhere" });
    await panel.getByRole("checkbox", { name: /Also revoke all my API tokens/ }).check();
    const ask = panel.getByRole("button", { name: "Sign out everywhere…" });
    await ask.click();
    const confirm = panel.getByRole("group", { name: "Confirm signing out everywhere" });
    expect(await confirm.textContent()).toContain("Sign out of every device, this one included, and revoke all your API tokens?");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await confirm.count()).toBe(0);
    expect(await phone.signedIn()).toBe(200);
    expect(await tokenStatus(base, token)).toBe(200);

    await ask.click();
    await confirm.getByRole("button", { name: "Sign out everywhere", exact: true }).click();
    await a.page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(new URL(a.page.url()).pathname).toBe("/login");
    expect(new URL(a.page.url()).search).toBe("");
    expect((await a.context.request.get(`${base}/api/me`)).status()).toBe(401);
    expect(await phone.signedIn()).toBe(401);
    expect(await tokenStatus(base, token)).toBe(401);
    // Signed out in this browser too: the screen asks for a sign-in again.
    await a.page.goto(`${base}/account`);
    await a.page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(new URL(a.page.url()).searchParams.get("next")).toBe("/account");
    expect(a.errors).toEqual([]);
    await phone.context.close();
    await a.context.close();
  }, 60_000);
});
