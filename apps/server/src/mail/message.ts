/** A plain-text message: every mail Marginalia sends is a short note with a link. */
export type MailMessage = { to: string; subject: string; text: string };
