/**
 * The simulated custodian's HTTP API: the subset of Apex Ascend's order API the day needs,
 * plus a simulator-only endpoint that writes the start-of-day files for a process date.
 * Every request body is validated with zod; errors are JSON {code, message}.
 */
import http from 'node:http';
import type { Knex } from 'knex';
import { z } from 'zod';
import { zPositiveDecimal } from '../../domain/money';
import { type SodOptions, writeStartOfDayFiles } from './files';
import { type FillModel, SimCustodian, SimError } from './state';

const CreateOrderBody = z
  .object({
    clientOrderId: z.string().min(1).max(40, 'clientOrderId must be at most 40 characters'),
    identifier: z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'must be an upper-case symbol'),
    identifierType: z.literal('SYMBOL'),
    side: z.enum(['BUY', 'SELL']),
    quantity: zPositiveDecimal.refine((s) => !/\.\d{6,}$/.test(s), 'at most 5 decimal places'),
    orderType: z.literal('MARKET'),
    timeInForce: z.literal('DAY'),
    orderDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  })
  .strict();

export interface SimServerOptions extends Omit<SodOptions, 'lowerCaseSymbols' | 'tradeFileHeader'> {
  db: Knex;
  fillModel: FillModel;
  port: number;
  host?: string;
}

export interface RunningSim {
  url: string;
  sim: SimCustodian;
  close(): Promise<void>;
}

async function body(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new SimError(413, 'TOO_LARGE', 'request body over 1 MB');
    chunks.push(c as Buffer);
  }
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SimError(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
}

export async function startSimServer(opts: SimServerOptions): Promise<RunningSim> {
  const sim = new SimCustodian(opts.db, opts.fillModel);
  const send = (res: http.ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://sim');
      const parts = url.pathname.split('/').filter(Boolean);
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
      // /trading/v1/accounts/{account}/orders[/{orderId}[:cancel]]
      if (parts[0] === 'trading' && parts[1] === 'v1' && parts[2] === 'accounts' && parts[4] === 'orders') {
        const account = decodeURIComponent(parts[3] ?? '');
        const tail = parts[5] ? decodeURIComponent(parts[5]) : undefined;
        if (!tail && req.method === 'POST') {
          const parsed = CreateOrderBody.safeParse(await body(req));
          if (!parsed.success) {
            const msg = parsed.error.issues
              .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
              .join('; ');
            return send(res, 400, { code: 'INVALID_ARGUMENT', message: msg });
          }
          return send(res, 200, await sim.createOrder(account, parsed.data));
        }
        if (!tail && req.method === 'GET') {
          const clientOrderId = url.searchParams.get('clientOrderId');
          if (!clientOrderId)
            return send(res, 400, {
              code: 'INVALID_ARGUMENT',
              message: 'clientOrderId query parameter is required',
            });
          const o = await sim.findByClientOrderId(account, clientOrderId);
          return send(res, 200, { orders: o ? [o] : [] });
        }
        if (tail?.endsWith(':cancel') && req.method === 'POST') {
          return send(res, 200, await sim.cancelOrder(account, tail.slice(0, -':cancel'.length)));
        }
        if (tail && req.method === 'GET') return send(res, 200, await sim.getOrder(account, tail));
      }
      // Simulator only: POST /sim/v1/sod-files/{processDate}?lowerCase=1&header=1
      if (req.method === 'POST' && parts[0] === 'sim' && parts[2] === 'sod-files' && parts[3]) {
        const date = parts[3];
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
          return send(res, 400, { code: 'INVALID_ARGUMENT', message: 'process date must be YYYY-MM-DD' });
        const files = await writeStartOfDayFiles(opts.db, sim, date, {
          dropDir: opts.dropDir,
          correspondent: opts.correspondent,
          lowerCaseSymbols: url.searchParams.get('lowerCase') === '1',
          tradeFileHeader: url.searchParams.get('header') === '1',
        });
        return send(res, 200, { files });
      }
      return send(res, 404, { code: 'NOT_FOUND', message: `${req.method} ${url.pathname} is not a route` });
    } catch (e) {
      if (e instanceof SimError) return send(res, e.status, { code: e.code, message: e.message });
      console.error('[custodian-sim]', e);
      return send(res, 500, { code: 'SYSTEM_ERROR', message: (e as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  return {
    url: `http://127.0.0.1:${port}`,
    sim,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
