/**
 * A local SMTP sink (the `smtp-server` package): accepts every message on loopback, keeps it in
 * memory (parsed with `mailparser`) and appends it to an mbox file, and serves a small web view of
 * the mailbox. `npm start` runs it so the demo day's mails can be read; the tests run it to read
 * what the outbox sent (and to make the server refuse or stall on purpose).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { escapeHtml } from '../notifications/render';

export interface SunkMail {
  /** Arrival order, from 1. */
  n: number;
  receivedAt: string;
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
  messageId: string;
  subject: string;
}

export interface MailSinkOptions {
  port: number;
  host?: string;
  /** Where every accepted message is appended (mbox format); none when unset. */
  mboxPath?: string;
  /**
   * Asked at the end of DATA for each message (1, 2, …): an error with `responseCode` refuses it
   * (e.g. 451 to try again later, 550 for good); `'stall'` keeps the message and never answers (a
   * reply lost after the server took it); undefined accepts it.
   */
  answer?: (n: number) => { responseCode: number; message: string } | 'stall' | undefined;
}

export interface RunningMailSink {
  port: number;
  messages: SunkMail[];
  /** Resolves once `count` messages have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SunkMail[]>;
  close(): Promise<void>;
}

function mboxEntry(from: string, raw: string): string {
  const escaped = raw.replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
  return `From ${from || 'MAILER-DAEMON'} ${new Date().toUTCString()}\n${escaped}${escaped.endsWith('\n') ? '' : '\n'}\n`;
}

export async function startMailSink(opts: MailSinkOptions): Promise<RunningMailSink> {
  const messages: SunkMail[] = [];
  const waiters: (() => void)[] = [];
  let tries = 0;
  const stalled: (() => void)[] = [];
  if (opts.mboxPath) mkdirSync(path.dirname(opts.mboxPath), { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const refusal = opts.answer?.(++tries);
        if (refusal && refusal !== 'stall') {
          const e = new Error(refusal.message) as Error & { responseCode: number };
          e.responseCode = refusal.responseCode;
          return callback(e);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        simpleParser(raw)
          .then((parsed) => {
            if (opts.mboxPath) appendFileSync(opts.mboxPath, mboxEntry(envelopeFrom, raw));
            messages.push({
              n: messages.length + 1,
              receivedAt: new Date().toISOString(),
              envelopeFrom,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              messageId: parsed.messageId ? `<${parsed.messageId.replace(/^<|>$/g, '')}>` : '',
              subject: parsed.subject ?? '',
            });
            for (const w of waiters.splice(0)) w();
            if (refusal === 'stall') stalled.push(() => callback(new Error('closing')));
            else callback();
          })
          .catch((e: Error) => callback(e));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`mail sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(deadline);
            resolve(messages.slice());
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => {
      for (const release of stalled.splice(0)) release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The sink's mailbox in a browser: `/` lists the messages (newest first), `/m/{n}` shows one as it
 * was sent (its HTML part, sandboxed: no scripts), `/m/{n}.txt` its plain-text part, `/m/{n}.eml` raw.
 */
export async function startMailSinkWeb(
  sink: RunningMailSink,
  opts: { port: number; host?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/m\/(\d+)(\.txt|\.eml)?$/.exec(url.pathname);
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
      res.end(body);
    };
    if (url.pathname === '/') {
      const rows = [...sink.messages]
        .reverse()
        .map(
          (x) =>
            `<tr><td>${x.n}</td><td>${escapeHtml(x.receivedAt)}</td><td>${escapeHtml(x.envelopeTo.join(', '))}</td><td><a href="/m/${x.n}">${escapeHtml(x.subject)}</a></td><td><a href="/m/${x.n}.txt">text</a> · <a href="/m/${x.n}.eml">raw</a></td></tr>`,
        )
        .join('');
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><meta charset="utf-8"><title>Mail sink</title><style>body{font-family:system-ui,sans-serif;margin:24px}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}</style><h1>Mail sink: ${sink.messages.length} message(s)</h1><p>Everything the demo sent through SMTP. Refresh to see new mail.</p><table><thead><tr><th>#</th><th>received</th><th>to</th><th>subject</th><th></th></tr></thead><tbody>${rows}</tbody></table>`,
      );
    }
    const mail = m ? sink.messages[Number(m[1]) - 1] : undefined;
    if (!mail) return send(404, 'text/plain; charset=utf-8', 'no such message\n');
    if (m?.[2] === '.txt') return send(200, 'text/plain; charset=utf-8', mail.parsed.text ?? '');
    if (m?.[2] === '.eml') return send(200, 'message/rfc822', mail.raw);
    return send(
      200,
      'text/html; charset=utf-8',
      typeof mail.parsed.html === 'string' ? mail.parsed.html : '',
      {
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
