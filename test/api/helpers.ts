/** Helpers for the API tests: plain HTTP calls, problem checks and proposals written straight to the book. */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { z } from 'zod';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are checked field by field
  json: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] ??= 'application/json';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Asserts a problem+json answer with this status (and `where`, when given). */
export function assertProblem(a: Answer, status: number, where?: string | RegExp): void {
  assert.equal(a.status, status, `expected ${status}, got ${a.status}: ${a.text}`);
  assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(a.json.status, status);
  assert.equal(typeof a.json.type, 'string');
  assert.equal(typeof a.json.title, 'string');
  assert.equal(typeof a.json.detail, 'string');
  if (where instanceof RegExp) assert.match(a.json.where ?? '', where, a.text);
  else if (where !== undefined) assert.equal(a.json.where, where, a.text);
}

/** Asserts the answer body matches the response schema exactly (no missing or mistyped field). */
export function assertShape(schema: z.ZodTypeAny, body: unknown): void {
  const r = schema.safeParse(body);
  assert.ok(r.success, r.success ? '' : JSON.stringify(r.error.issues.slice(0, 5)));
}

/** Writes a proposal with legs (and optionally its decision) straight to the book. */
export async function insertProposal(
  db: Knex,
  p: {
    accountId: string;
    tradeDate: string;
    status?: string;
    reasons?: unknown[];
    plan?: object;
    legs?: {
      symbol: string;
      side: 'BUY' | 'SELL';
      qty: string;
      estPrice: string;
      estNotional: string;
      reasons?: unknown[];
    }[];
    decision?: { decision: 'APPROVE' | 'REJECT' | 'EXPIRE'; actor: string; via: string; note?: string };
  },
): Promise<string> {
  const id = `P${p.tradeDate.replaceAll('-', '')}-${p.accountId}`;
  const account = await db('accounts').where({ id: p.accountId }).first();
  await db('proposals').insert({
    id,
    account_id: p.accountId,
    trade_date: p.tradeDate,
    version: 1,
    status: p.status ?? 'PENDING_APPROVAL',
    model_id: account.model_id,
    model_version: 1,
    reasons: JSON.stringify(p.reasons ?? ['DRIFT BND: 31.00% vs target 38.00% (band ±5 pp)']),
    plan: JSON.stringify(p.plan ?? { action: 'TRADE' }),
    expires_at: `${p.tradeDate}T16:45:00Z`,
  });
  const legs = p.legs ?? [
    { symbol: 'VTI', side: 'SELL' as const, qty: '3.00000', estPrice: '250.000000', estNotional: '750.00' },
    { symbol: 'BND', side: 'BUY' as const, qty: '10.00000', estPrice: '72.500000', estNotional: '725.00' },
  ];
  await db('proposal_legs').insert(
    legs.map((l, i) => ({
      proposal_id: id,
      leg_no: i + 1,
      symbol: l.symbol,
      side: l.side,
      qty: l.qty,
      est_price: l.estPrice,
      est_notional: l.estNotional,
      reasons: JSON.stringify(l.reasons ?? [`REBALANCE ${l.symbol} to target`]),
    })),
  );
  if (p.decision) {
    await db('approvals').insert({
      proposal_id: id,
      decision: p.decision.decision,
      actor: p.decision.actor,
      via: p.decision.via,
      note: p.decision.note ?? null,
      decided_at: `${p.tradeDate}T15:00:00Z`,
    });
  }
  return id;
}
