/**
 * Withdrawal requests and the account's cash flows, as the API and the CLI take and show them
 * (the lifecycle: docs/book-sync.md). A request is a PENDING `cash_flows` row: the next scan raises
 * the cash (the engine's CASH_OUT), the morning after the cash is there it is sent to the custodian
 * (SENT), and the morning the custodian reports it, it is PAID. Idempotent by the caller's request
 * id: the same request again answers the withdrawal already recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { assertIsoDate } from '../domain/calendar';
import { cashStr, dec } from '../domain/money';
import { storableText } from '../domain/text';

/** At most this much in one request (a typo guard; a larger withdrawal is several requests). */
export const MAX_WITHDRAWAL_USD = '10000000';

const USD_AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;

export const WithdrawalRequestSchema = z
  .object({
    accountId: z.string().regex(/^[A-Za-z0-9_-]{1,30}$/, 'is not an account id'),
    amount: z
      .string()
      .regex(USD_AMOUNT, 'must be a positive dollar amount with at most 2 decimals, e.g. "15000.00"')
      // zod runs refinements after a failed regex too: only a well-formed amount reaches dec()
      .refine((s) => !USD_AMOUNT.test(s) || dec(s).gt(0), 'must be greater than zero')
      .refine(
        (s) => !USD_AMOUNT.test(s) || dec(s).lte(dec(MAX_WITHDRAWAL_USD)),
        `must be at most ${MAX_WITHDRAWAL_USD}`,
      ),
    /** The first trade date it may be raised on (default: the next one the account runs). */
    effectiveDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
      .refine((s) => {
        try {
          assertIsoDate(s);
          return true;
        } catch {
          return false;
        }
      }, 'is not a calendar date')
      .optional(),
    /** The caller's id of the request: the same id again is the same withdrawal. */
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, . _ : or -')
      .optional(),
    note: storableText({ max: 500 })
      .refine(
        (s) => ![...s].some((c) => c.charCodeAt(0) < 32 && c !== '\n' && c !== '\t'),
        'must not contain control characters',
      )
      .optional(),
  })
  .strict();
export type WithdrawalRequest = z.infer<typeof WithdrawalRequestSchema>;

export const CASH_FLOW_STATUSES = ['PENDING', 'SENT', 'POSTED', 'PAID', 'RETURNED', 'CANCELLED'] as const;
export const CASH_FLOW_SOURCES = ['BOOK', 'CUSTODIAN', 'OPS'] as const;

export interface CashFlowView {
  id: string;
  type: string;
  amount: string;
  status: (typeof CASH_FLOW_STATUSES)[number];
  effectiveDate: string;
  postedDate: string | null;
  source: (typeof CASH_FLOW_SOURCES)[number];
  sourceRef: string | null;
  transferId: string | null;
  description: string | null;
  requestedBy: string | null;
}

export class WithdrawalRefused extends Error {
  constructor(
    message: string,
    readonly where: string,
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

/**
 * Records a withdrawal request. `by` and `via` say who asked and through what (api, cli, import),
 * in the flow and the audit log. Refused (WithdrawalRefused) for an unknown or closed account, and
 * for a request id already used for another account or amount.
 */
export async function requestWithdrawal(
  db: Knex,
  req: WithdrawalRequest,
  who: { by: string; via: string; today: string },
): Promise<{ flow: CashFlowView; duplicate: boolean }> {
  return db.transaction(async (trx) => {
    const acct = await trx('accounts').where({ id: req.accountId }).first('id', 'status');
    if (!acct) throw new WithdrawalRefused(`account ${req.accountId} not found`, 'body.accountId', 404);
    if (acct.status === 'CLOSED')
      throw new WithdrawalRefused(`account ${req.accountId} is closed`, 'body.accountId', 409);
    const amount = cashStr(dec(req.amount).neg());
    const id = `WD-${req.accountId}-${req.requestId ?? randomUUID().slice(0, 13)}`;
    const existing = await trx('cash_flows').where({ id }).first();
    if (existing) {
      if (existing.account_id !== req.accountId || !dec(existing.amount).eq(dec(amount)))
        throw new WithdrawalRefused(
          `request ${req.requestId} was already used for ${existing.account_id} ${cashStr(dec(existing.amount).neg())}`,
          'body.requestId',
          409,
        );
      return { flow: view(existing), duplicate: true };
    }
    const row = {
      id,
      account_id: req.accountId,
      type: 'WITHDRAWAL',
      amount,
      effective_date: req.effectiveDate ?? who.today,
      status: 'PENDING',
      source: 'BOOK',
      description: req.note ?? null,
      requested_by: `${who.via}:${who.by}`,
    };
    await trx('cash_flows').insert(row);
    await trx('audit_log').insert({
      actor: who.by,
      action: 'WITHDRAWAL_REQUESTED',
      entity: 'account',
      entity_id: req.accountId,
      details: JSON.stringify({
        flowId: id,
        amount: req.amount,
        effectiveDate: row.effective_date,
        via: who.via,
        note: req.note ?? null,
      }),
      idempotency_key: `withdrawal-requested:${id}`,
    });
    return { flow: view(await trx('cash_flows').where({ id }).first()), duplicate: false };
  });
}

/** The account's cash flows, newest first. */
export async function listCashFlows(db: Knex, accountId: string, limit = 100): Promise<CashFlowView[]> {
  const rows = await db('cash_flows')
    .where({ account_id: accountId })
    .orderBy([
      { column: 'effective_date', order: 'desc' },
      { column: 'created_at', order: 'desc' },
      { column: 'id' },
    ])
    .limit(limit);
  return rows.map(view);
}

function view(r: Record<string, unknown>): CashFlowView {
  return {
    id: r.id as string,
    type: r.type as string,
    amount: r.amount as string,
    status: r.status as CashFlowView['status'],
    effectiveDate: r.effective_date as string,
    postedDate: (r.posted_date as string | null) ?? null,
    source: r.source as CashFlowView['source'],
    sourceRef: (r.source_ref as string | null) ?? null,
    transferId: (r.transfer_id as string | null) ?? null,
    description: (r.description as string | null) ?? null,
    requestedBy: (r.requested_by as string | null) ?? null,
  };
}
