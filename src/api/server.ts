/**
 * The thin advisor API: pending proposals, approve all, reject. Approvals go to the
 * account's workflow as Temporal Updates, so the caller gets the workflow's own answer
 * (refused after the cut-off, wrong advisor, wrong version). Every body and parameter is
 * validated with zod; errors are RFC 7807 problem+json naming what and where.
 * Authentication (per-advisor tokens) is issue #5; until then advisorId travels in the body.
 */
import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { z } from 'zod';
import { accountDayWorkflowId } from '../workflows/ids';
import { approveUpdate, rejectUpdate, statusQuery } from '../workflows/messages';

const ApproveBody = z
  .object({ advisorId: z.string().min(1), note: z.string().max(2000).optional() })
  .strict();
const RejectBody = z
  .object({ advisorId: z.string().min(1), reason: z.string().trim().min(1).max(2000) })
  .strict();
const ListQuery = z.object({
  advisorId: z.string().min(1, 'advisorId is required'),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
    .optional(),
});
const ProposalId = z
  .string()
  .regex(/^P\d{8}-[A-Za-z0-9_-]{1,30}$/, 'not a proposal id (P{yyyymmdd}-{accountId})');

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly where?: string,
  ) {
    super(detail);
  }
}

function zodProblem(where: string, err: z.ZodError): Problem {
  return new Problem(
    400,
    'Invalid request',
    err.issues.map((i) => `${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '),
    where,
  );
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 100_000) throw new Problem(413, 'Body too large', 'request body over 100 kB', 'body');
    chunks.push(c as Buffer);
  }
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Problem(400, 'Invalid JSON', 'request body is not valid JSON', 'body');
  }
}

export interface ApiOptions {
  db: Knex;
  client: Client;
  port: number;
  host?: string;
}

export async function startApiServer(opts: ApiOptions): Promise<{ url: string; close(): Promise<void> }> {
  const { db, client } = opts;
  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  };

  async function decide(id: string, kind: 'approve' | 'reject', raw: unknown) {
    const pid = ProposalId.safeParse(id);
    if (!pid.success) throw zodProblem('path.proposalId', pid.error);
    const p = await db('proposals').where({ id: pid.data }).first();
    if (!p) throw new Problem(404, 'Not found', `proposal ${pid.data} does not exist`, 'path.proposalId');
    const handle = client.workflow.getHandle(accountDayWorkflowId(p.trade_date, p.account_id));
    try {
      if (kind === 'approve') {
        const b = ApproveBody.safeParse(raw);
        if (!b.success) throw zodProblem('body', b.error);
        return await handle.executeUpdate(approveUpdate, {
          args: [{ proposalId: p.id, version: p.version, ...b.data }],
        });
      }
      const b = RejectBody.safeParse(raw);
      if (!b.success) throw zodProblem('body', b.error);
      return await handle.executeUpdate(rejectUpdate, {
        args: [{ proposalId: p.id, version: p.version, ...b.data }],
      });
    } catch (e) {
      if (e instanceof Problem) throw e;
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
      if (/not found|already completed/i.test(cause)) {
        throw new Problem(
          409,
          'Not awaiting a decision',
          `the account's day for ${p.trade_date} is over: ${cause}`,
        );
      }
      throw new Problem(409, 'Refused', cause);
    }
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://api');
      const parts = url.pathname.split('/').filter(Boolean);
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
      if (req.method === 'GET' && url.pathname === '/api/v1/proposals') {
        const q = ListQuery.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) throw zodProblem('query', q.error);
        const rows = await db('proposals as p')
          .join('accounts as a', 'a.id', 'p.account_id')
          .where({ 'a.advisor_id': q.data.advisorId, 'p.status': 'PENDING_APPROVAL' })
          .modify((b) => (q.data.date ? b.where('p.trade_date', q.data.date) : b))
          .orderBy('p.id')
          .select('p.id', 'p.account_id', 'p.trade_date', 'p.version', 'p.reasons', 'p.expires_at');
        const legs = await db('proposal_legs')
          .whereIn(
            'proposal_id',
            rows.map((r: { id: string }) => r.id),
          )
          .orderBy(['proposal_id', 'leg_no']);
        return send(res, 200, {
          proposals: rows.map(
            (r: {
              id: string;
              account_id: string;
              trade_date: string;
              version: number;
              reasons: string[];
              expires_at: Date;
            }) => ({
              id: r.id,
              accountId: r.account_id,
              tradeDate: r.trade_date,
              version: r.version,
              reasons: r.reasons,
              deadline: new Date(r.expires_at).toISOString(),
              legs: legs
                .filter((l: { proposal_id: string }) => l.proposal_id === r.id)
                .map(
                  (l: {
                    leg_no: number;
                    symbol: string;
                    side: string;
                    qty: string;
                    est_price: string;
                    est_notional: string;
                  }) => ({
                    legNo: l.leg_no,
                    symbol: l.symbol,
                    side: l.side,
                    qty: l.qty,
                    estPrice: l.est_price,
                    estNotional: l.est_notional,
                  }),
                ),
            }),
          ),
        });
      }
      if (
        parts[0] === 'api' &&
        parts[1] === 'v1' &&
        parts[2] === 'proposals' &&
        parts[3] &&
        req.method === 'POST'
      ) {
        const action = parts[4];
        if (action !== 'approve' && action !== 'reject')
          throw new Problem(404, 'Not found', `unknown action ${action}`, 'path');
        return send(res, 200, await decide(decodeURIComponent(parts[3]), action, await readJson(req)));
      }
      if (
        parts[0] === 'api' &&
        parts[1] === 'v1' &&
        parts[2] === 'accounts' &&
        parts[3] &&
        parts[4] === 'status'
      ) {
        const date = url.searchParams.get('date');
        if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date))
          throw new Problem(400, 'Invalid request', 'query.date: must be YYYY-MM-DD', 'query.date');
        const status = await client.workflow
          .getHandle(accountDayWorkflowId(date, parts[3]))
          .query(statusQuery);
        return send(res, 200, status);
      }
      throw new Problem(404, 'Not found', `${req.method} ${url.pathname} is not a route`, 'path');
    } catch (e) {
      const p = e instanceof Problem ? e : new Problem(500, 'Internal error', (e as Error).message);
      if (p.status >= 500) console.error('[api]', e);
      return send(
        res,
        p.status,
        { type: 'about:blank', title: p.title, status: p.status, detail: p.detail, where: p.where },
        'application/problem+json',
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  return { url: `http://localhost:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
