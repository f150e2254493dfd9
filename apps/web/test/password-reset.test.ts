import { describe, expect, it } from "vitest";
import { resetTokenFor } from "../../server/test/support/mail.ts";
import { announceSkip, chromiumSuite, newUserPage, skipBrowserSuites } from "./support/browser.ts";
import { signUpApi } from "./support/flows.ts";

announceSkip("password reset");

describe.skipIf(skipBrowserSuites)("a forgotten password, in Chromium", () => {
  const suite = chromiumSuite();

  it("is reset from the mailed link: the other device is signed out, the old password stops working, and the link works once", { timeout: 60_000 }, async () => {
    const base = suite.base;
    const laptop = await newUserPage(suite.browser);
    const user = await signUpApi(laptop.context, base, "Forgetful");
    const phone = await newUserPage(suite.browser);

    await phone.page.goto(`${base}/login`);
    await phone.page.getByRole("link", { name: "Forgot your password?" }).click();
    await phone.page.getByRole("heading", { name: "Reset your password" }).waitFor();
    await phone.page.getByLabel("Email").fill(user.email);
    await phone.page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(() => phone.page.getByRole("main").getByRole("status").textContent()).toContain(user.email);

    const link = `${base}/reset-password#token=${await resetTokenFor(user.email)}`;
    await phone.page.goto(link);
    await phone.page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    // The token leaves the address bar (and so the history) once read.
    await expect.poll(() => new URL(phone.page.url()).hash).toBe("");
    await phone.page.getByLabel("New password", { exact: true }).fill("a long new secret");
    await phone.page.getByLabel("New password again").fill("a different secret");
    await phone.page.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => phone.page.getByRole("main").getByRole("alert").textContent()).toContain("The two passwords differ");
    await expect(phone.page.getByLabel("New password again").getAttribute("aria-describedby")).resolves.toBe("reset-error");
    await phone.page.getByLabel("New password again").fill("a long new secret");
    await phone.page.getByRole("button", { name: "Set the new password" }).click();
    await phone.page.getByRole("heading", { name: "Your groups" }).waitFor();

    expect((await laptop.context.request.get(`${base}/api/me`)).status()).toBe(401);
    const login = (password: string) => suite.browser.newContext().then((c) => c.request.post(`${base}/api/auth/login`, { data: { email: user.email, password } }));
    expect((await login(user.password)).status()).toBe(401);
    expect((await login("a long new secret")).status()).toBe(200);

    // The same link, opened again: spent, and the page says how to get another.
    const again = await newUserPage(suite.browser);
    await again.page.goto(link);
    await again.page.getByLabel("New password", { exact: true }).fill("yet another secret");
    await again.page.getByLabel("New password again").fill("yet another secret");
    await again.page.getByRole("button", { name: "Set the new password" }).click();
    await again.page.getByRole("link", { name: "Ask for a new link" }).waitFor();
    expect((await login("yet another secret")).status()).toBe(401);
  });
});
