/**
 * The e-mail transport: SMTP through nodemailer, configured from src/config.ts (SMTP_HOST, SMTP_PORT,
 * SMTP_TLS, SMTP_USER / SMTP_PASSWORD, SMTP_FROM). The outbox (./outbox.ts) calls `send` once per
 * row and counts a message as accepted only when the server answered the end of DATA with 250.
 */
import nodemailer from 'nodemailer';

export interface MailSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465); `starttls`: STARTTLS required; `none`: plain (a local sink). */
  tls: 'starttls' | 'tls' | 'none';
  auth?: { user: string; pass: string };
  /** The From header, e.g. `Zoe trading <zoe-trading@example.com>`. */
  from: string;
}

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** `<…@…>`: the same for every attempt of one outbox row. */
  messageId: string;
  /** The Date header: the row's creation, so a repeat is the same message. */
  date: Date;
  headers?: Record<string, string>;
}

export interface MailTransport {
  /** Resolves once the server accepted the message (250 after DATA); throws otherwise. */
  send(m: MailMessage): Promise<{ response: string }>;
  close(): void;
}

export function smtpTransport(s: MailSettings): MailTransport {
  const t = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.tls === 'tls',
    requireTLS: s.tls === 'starttls',
    ignoreTLS: s.tls === 'none',
    ...(s.auth ? { auth: s.auth } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(m) {
      const info = await t.sendMail({
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        date: m.date,
        headers: m.headers,
      });
      return { response: String(info.response ?? '') };
    },
    close: () => t.close(),
  };
}

/** SMTP reply codes 5xx are permanent: retrying the same message will not help. */
export function isPermanentSmtpError(e: unknown): boolean {
  const code = (e as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
