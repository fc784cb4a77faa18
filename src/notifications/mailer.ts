/**
 * The e-mail transport: SMTP through nodemailer's connection and composer, configured from
 * src/config.ts (SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_USER / SMTP_PASSWORD, SMTP_FROM). One
 * connection per message: connect, authenticate, then `beforeHandOver` (the outbox claims its row
 * there, ./outbox.ts), then MAIL FROM / RCPT TO / DATA. A message counts as accepted only when the
 * server answered the end of DATA with 250. A failure says whether the server may have it anyway
 * (`inDoubt`: the connection broke or timed out after the message was handed over and before a
 * reply came; RFC 1047's window).
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface MailSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465); `starttls`: STARTTLS required; `none`: plain (a local sink). */
  tls: 'starttls' | 'tls' | 'none';
  auth?: { user: string; pass: string };
  /** The From header, e.g. `Zoe trading <zoe-trading@example.com>`. */
  from: string;
  /** How long the server may stay silent (default 30 s). */
  socketTimeoutMs?: number;
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

export interface SendHooks {
  /** Called once connected and authenticated, right before the message is handed over; a throw aborts. */
  beforeHandOver?: () => Promise<void>;
}

export interface MailTransport {
  /** Resolves once the server accepted the message (250 after DATA); throws a `MailError` otherwise. */
  send(m: MailMessage, hooks?: SendHooks): Promise<{ response: string }>;
  close(): void;
}

/** A failed send: `inDoubt` when the server may have taken it (no reply after the hand-over). */
export class MailError extends Error {
  constructor(
    message: string,
    readonly inDoubt: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

/**
 * One step of the conversation as a promise: its callback, or the connection's `error` / `end`
 * (nodemailer reports a failed connect or a dropped socket only as an event).
 */
function settle<T>(conn: SMTPConnection, run: (cb: (err?: Error | null, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (e: Error) => done(e);
    const onEnd = () => done(new Error('the SMTP server closed the connection'));
    const done = (err?: Error | null, v?: T) => {
      conn.off('error', onError);
      conn.off('end', onEnd);
      if (err) reject(err);
      else resolve(v as T);
    };
    conn.on('error', onError);
    conn.on('end', onEnd);
    run(done);
  });
}

export function smtpTransport(s: MailSettings): MailTransport {
  return {
    async send(m, hooks = {}) {
      const node = new MailComposer({
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        date: m.date,
        headers: m.headers,
      }).compile();
      const envelope = node.getEnvelope();
      const raw = await node.build();
      const conn = new SMTPConnection({
        host: s.host,
        port: s.port,
        secure: s.tls === 'tls',
        requireTLS: s.tls === 'starttls',
        ignoreTLS: s.tls === 'none',
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: s.socketTimeoutMs ?? 30_000,
      });
      let handedOver = false;
      conn.on('error', () => {}); // reported by the step under way (settle)
      try {
        await settle<void>(conn, (cb) => conn.connect((e) => cb(e)));
        if (s.auth) await settle<void>(conn, (cb) => conn.login(s.auth!, (e) => cb(e)));
        await hooks.beforeHandOver?.();
        handedOver = true;
        const info = await settle<SMTPConnection.SentMessageInfo>(conn, (cb) =>
          conn.send({ from: envelope.from || '', to: envelope.to }, raw, cb),
        );
        conn.quit();
        return { response: String(info.response ?? '') };
      } catch (e) {
        conn.close();
        const err = e as Error & { responseCode?: number };
        // Before the hand-over nothing reached the server: the error as it is (a claim refused, no connection).
        if (!handedOver) throw err;
        // A reply from the server (4xx, 5xx) is a refusal; anything else after the hand-over is in doubt.
        throw new MailError(
          err.message || String(err),
          typeof err.responseCode !== 'number',
          err.responseCode,
        );
      }
    },
    close: () => {},
  };
}

/** SMTP reply codes 5xx are permanent: retrying the same message will not help. */
export function isPermanentSmtpError(e: unknown): boolean {
  const code = (e as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
