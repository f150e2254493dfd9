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
