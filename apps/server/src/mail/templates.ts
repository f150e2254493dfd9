import type { MailMessage } from "./message.ts";

// Links carry secrets after "#": a fragment never reaches a server, so no access log records it.

// The name a sign-up gives is not written into its mail: anyone may ask for a sign-up with any address, and
// the mail would carry their words to it from our sender.
export const confirmSignupMail = (origin: string, to: string, token: string): MailMessage => ({
  to,
  subject: "Confirm your Marginalia account",
  text: [
    "Hello,",
    "",
    "Someone (we hope you) asked to create a Marginalia account with this address. To finish, open this",
    "link within a day and type the password you chose:",
    "",
    `  ${origin}/confirm#token=${token}`,
    "",
    "If it was not you, ignore this message: no account is made without it.",
  ].join("\n"),
});

export const accountExistsMail = (origin: string, to: string): MailMessage => ({
  to,
  subject: "You already have a Marginalia account",
  text: [
    "Someone (we hope you) tried to create a Marginalia account with this address, which already has one.",
    "",
    `Sign in at ${origin}/login`,
    "",
    "If it was not you, nothing has changed: your account and its password are as they were.",
  ].join("\n"),
});

// Who invited is left out: in a group anonymous to its peers, a name in a mail would be a name outside it.
export const invitationMail = (origin: string, to: string, group: string, role: string): MailMessage => ({
  to,
  subject: `You are invited to ${group} on Marginalia`,
  text: [
    `You are invited to join the group "${group}" as ${role}.`,
    "",
    `Sign in (or create an account with this address) at ${origin}/ and accept the invitation`,
    "on your groups screen. Until you accept, the group learns nothing about you.",
  ].join("\n"),
});

export const passwordResetMail = (origin: string, to: string, token: string): MailMessage => ({
  to,
  subject: "Reset your Marginalia password",
  text: [
    "Hello,",
    "",
    "Someone (we hope you) asked to reset the password of the Marginalia account with this address.",
    "To choose a new one, open this link within an hour:",
    "",
    `  ${origin}/reset-password#token=${token}`,
    "",
    "Setting a new password signs out every device that was signed in to the account.",
    "If it was not you, ignore this message: your password stays as it is.",
  ].join("\n"),
});

export const noAccountToResetMail = (origin: string, to: string): MailMessage => ({
  to,
  subject: "Marginalia password reset",
  text: [
    "Someone (we hope you) asked to reset a Marginalia password for this address, but no account uses it.",
    "",
    `To create one, sign up at ${origin}/signup`,
    "",
    "If it was not you, ignore this message.",
  ].join("\n"),
});
