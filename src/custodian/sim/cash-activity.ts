/**
 * Cash activity at the simulated custodian (EXT869): deposits, withdrawals, dividends, interest and
 * fees recorded with `addCashActivity` (or by the simulator itself: ACH withdrawals, the cash a
 * corporate action pays, kind CORPORATE_ACTION, batch CA), and the cash of trades that settled since the previous morning.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { addCalendarDays, previousTradingDay } from '../../domain/calendar';
import { type Dec, ZERO, cashStr, dec, qtyStr, zDecimal } from '../../domain/money';
import { storableText } from '../../domain/text';
import type { Ext869Input } from '../files';
import { SimError } from './errors';
import { type ExecRow, cashIn, executionsSettlingSince } from './executions';
import { SettlementCalendar } from './settlement';
import type { SecurityAsOf } from './sod';

const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const CASH_KINDS = ['ACH', 'WIRE', 'DIVIDEND', 'INTEREST', 'FEE'] as const;
export type CashKind = (typeof CASH_KINDS)[number];

export const CashActivityInputSchema = z
  .object({
    accountNumber: storableText({ min: 1, max: 20 }),
    /** The morning file (process date) that reports it; the cash moved the trading day before. */
    processDate: zDate,
    /** Ours: + = money into the account (EXT869 writes Apex's opposite sign). */
    amountIn: zDecimal.refine((s) => !/\.\d{3,}$/.test(s), 'at most 2 decimal places'),
    kind: z.enum(CASH_KINDS).default('ACH'),
    description: storableText({ max: 200 }).optional(),
    /** The security a dividend is paid on. */
    symbol: storableText({ min: 1, max: 15 }).optional(),
    id: storableText({ min: 1, max: 40 }).optional(),
  })
  .strict();
export type CashActivityInput = z.input<typeof CashActivityInputSchema>;

/**
 * Records a cash movement (deposit, withdrawal, dividend, …) and applies it to the account's cash.
 * It is reported in EXT869 of `processDate` and counts in the balances from that morning on.
 */
export async function addCashActivity(db: Knex, input: CashActivityInput): Promise<{ id: string }> {
  const a = CashActivityInputSchema.parse(input);
  return db.transaction(async (trx) => {
    const account = await trx('sim.accounts').where({ account_number: a.accountNumber }).forUpdate().first();
    if (!account) throw new SimError(404, 'NOT_FOUND', `account ${a.accountNumber} does not exist`);
    if (a.symbol && !(await trx('sim.securities').where({ symbol: a.symbol }).first()))
      throw new SimError(400, 'INVALID_ARGUMENT', `symbol ${a.symbol} is not a simulator security`);
    const n = (await trx('sim.cash_activity')
      .where({ account_number: a.accountNumber, process_date: a.processDate })
      .count({ n: '*' })
      .first()) as { n: string | number } | undefined;
    const id = a.id ?? `CASH-${a.accountNumber}-${a.processDate}-${Number(n?.n ?? 0) + 1}`;
    const amount = dec(a.amountIn);
    await postCash(trx, {
      id,
      accountNumber: a.accountNumber,
      processDate: a.processDate,
      amountIn: amount,
      kind: a.kind,
      description: a.description ?? defaultDescription(a.kind, amount, a.symbol),
      symbol: a.symbol,
    });
    return { id };
  });
}

/** One cash movement the simulator records: its EXT869 line of `processDate` and the account's cash. */
export interface CashPosting {
  id: string;
  accountNumber: string;
  processDate: string;
  /** + = money into the account. */
  amountIn: Dec;
  kind: string;
  description: string;
  /** The security it is about (a dividend, a corporate action's cash); its CUSIP goes on the line. */
  symbol?: string;
  /** What EXT869 writes in TradeNumber (a withdrawal's id); '' when absent. */
  tradeNumber?: string;
}

/** Records a cash movement and applies it to the account's cash, in the caller's transaction. */
export async function postCash(trx: Knex.Transaction, c: CashPosting): Promise<void> {
  await trx('sim.cash_activity').insert({
    id: c.id,
    account_number: c.accountNumber,
    process_date: c.processDate,
    amount_in: c.amountIn.toFixed(2),
    description: c.description,
    kind: c.kind,
    symbol: c.symbol ?? null,
    trade_number: c.tradeNumber ?? null,
  });
  await trx('sim.accounts')
    .where({ account_number: c.accountNumber })
    .update({ cash: trx.raw('cash + ?::numeric', [c.amountIn.toFixed(2)]) });
}

function defaultDescription(kind: CashKind, amountIn: Dec, symbol: string | undefined): string {
  const into = amountIn.gte(0);
  switch (kind) {
    case 'ACH':
      return into ? 'ACH DEPOSIT' : 'ACH WITHDRAWAL';
    case 'WIRE':
      return into ? 'WIRE DEPOSIT' : 'WIRE WITHDRAWAL';
    case 'DIVIDEND':
      return `CASH DIVIDEND${symbol ? ` ${symbol}` : ''}`;
    case 'INTEREST':
      return 'CREDIT INTEREST';
    case 'FEE':
      return 'ACCOUNT FEE';
  }
}

/** Batch code and EnteredBy of a kind of cash movement (docs/domain.md §2.4). */
function batchOf(kind: string, amountIn: Dec): { batchCode: string; enteredBy: string } {
  switch (kind) {
    case 'WIRE':
      return { batchCode: 'FW', enteredBy: 'WRD' };
    case 'DIVIDEND':
      return { batchCode: '$+', enteredBy: 'DIV' };
    case 'INTEREST':
      return { batchCode: '$+', enteredBy: 'INT' };
    case 'FEE':
      return { batchCode: 'FE', enteredBy: 'FEE' };
    case 'CORPORATE_ACTION': // cash in lieu, merger cash (./corporate-action-apply.ts)
      return { batchCode: 'CA', enteredBy: 'REO' };
    default:
      return { batchCode: amountIn.gte(0) ? '9C' : '9D', enteredBy: 'ACH' };
  }
}

/** BatchCode of trade settlement rows in EXT869 (our choice; Apex's is not public). */
export const SETTLEMENT_BATCH_CODE = 'TR';

/**
 * EXT869 rows for `processDate`: the cash activity reported that morning, then the cash of trades
 * that settled since the previous morning (settlement date in [previous trading day, processDate),
 * settlement faults included: ./settlement.ts),
 * one row per order: a BUY is a debit (Apex writes it positive), a SELL a credit (negative).
 * `amountIn` is ours; the writer turns it into Apex's sign.
 */
export async function cashActivityRows(
  db: Knex,
  processDate: string,
  secs: Map<string, SecurityAsOf>,
): Promise<Ext869Input[]> {
  const activity: {
    id: string;
    account_number: string;
    amount_in: string;
    description: string;
    kind: string;
    symbol: string | null;
    trade_number: string | null;
  }[] = await db('sim.cash_activity')
    .where({ process_date: processDate })
    .orderBy([{ column: 'account_number' }, { column: 'id' }]);
  const rows: (Ext869Input & { sortKey: string })[] = activity.map((a) => {
    const amountIn = dec(a.amount_in);
    const { batchCode, enteredBy } = batchOf(a.kind, amountIn);
    return {
      sortKey: `${a.account_number}|0|${a.id}`,
      accountNumber: a.account_number,
      accType: '1',
      amountIn: amountIn.toFixed(2),
      description: a.description,
      currencyCode: 'USD',
      processDate,
      batchCode,
      cusip: a.symbol ? (secs.get(a.symbol)?.cusip ?? null) : null,
      entryDate: processDate,
      payTypeCode: amountIn.gte(0) ? 'C' : 'D',
      enteredBy,
      tradeDate: null,
      tradeNumber: a.trade_number ?? '',
    };
  });

  const from = previousTradingDay(processDate);
  // A trade settles at most a couple of weeks after its trade date (holidays included), unless a
  // settlement fault holds it.
  const cal = await SettlementCalendar.load(db);
  const execs: ExecRow[] = await executionsSettlingSince(db, addCalendarDays(from, -14)).where(
    'e.trade_date',
    '<',
    processDate,
  );
  const byOrder = new Map<string, { e: ExecRow; settle: string; qty: Dec; cash: Dec }>();
  for (const e of execs) {
    const settle = cal.settleDate(e.client_order_id, e.trade_date);
    if (settle < from || settle >= processDate) continue;
    const key = `${e.order_id}|${e.trade_date}`;
    const cur = byOrder.get(key) ?? { e, settle, qty: ZERO, cash: ZERO };
    cur.qty = cur.qty.plus(dec(e.quantity));
    cur.cash = cur.cash.plus(cashIn(e));
    byOrder.set(key, cur);
  }
  for (const { e, settle, qty, cash } of byOrder.values()) {
    rows.push({
      sortKey: `${e.account_number}|1|${settle}|${e.order_id}`,
      accountNumber: e.account_number,
      accType: '1',
      amountIn: cashStr(cash),
      description: `${e.side === 'BUY' ? 'BOUGHT' : 'SOLD'} ${qtyStr(qty)} ${e.symbol} SETTLEMENT`,
      currencyCode: 'USD',
      processDate,
      batchCode: SETTLEMENT_BATCH_CODE,
      cusip: secs.get(e.symbol)?.cusip ?? null,
      entryDate: settle,
      payTypeCode: e.side === 'BUY' ? 'D' : 'C',
      enteredBy: 'TRD',
      tradeDate: e.trade_date,
      tradeNumber: e.order_id,
    });
  }
  rows.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return rows.map(({ sortKey: _, ...r }) => r);
}
