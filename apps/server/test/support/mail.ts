import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { awaitMailedToken, awaitSignupToken } from "../../src/mail/mailbox.ts";

/**
 * Where every server the tests start delivers its mail (`MAIL_URL=file:<dir>`), one folder per
 * recipient: tests read what a person would find in their mailbox.
 */
export const TEST_MAIL_DIR = mkdtempSync(path.join(tmpdir(), "marginalia-mail-"));
export const TEST_MAIL_URL = `file:${TEST_MAIL_DIR}`;

export const signupTokenFor = (email: string) => awaitSignupToken(TEST_MAIL_DIR, email);
export const resetTokenFor = (email: string) => awaitMailedToken(TEST_MAIL_DIR, email, "/reset-password");
