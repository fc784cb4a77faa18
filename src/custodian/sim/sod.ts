/**
 * What the simulated custodian knows at the start of a process date, for its morning files:
 * cash activity (EXT869), balances (EXT981), tax lots (EXT_TAXLOT) and corporate actions (EXT235),
 * plus the functions tests and the simulator's routes use to add cash activity and corporate actions.
 *
 * Everything is derived from the `sim` schema as of the start of the process date P (the end of the
 * previous trading day T), so the same state always gives the same files:
 * - cash at the start of P = sim.accounts.cash minus the cash effect of executions traded on or
 *   after P and of cash activity reported after P;
 * - a trade settles on its settlement date S = nextSettlementDay(trade date); it is settled at the
 *   start of P when S < P, and its cash is reported in EXT869 in the first morning after S (T <= S < P);
 * - lots: sim.lots holds the lots opened outside the order flow (seeded holdings, transfers); lots of
 *   executions are replayed on top, in trade order: a BUY opens a lot (its id is the execution id),
 *   a SELL closes the account's lots of the security first in, first out.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { addCalendarDays, nextSettlementDay, previousTradingDay } from '../../domain/calendar';
import { Dec, ZERO, cashStr, dec, qtyStr, zDecimal } from '../../domain/money';
import {
  CORPORATE_ACTIONS,
  type CorporateAction,
  type Ext235Row,
  type Ext869Input,
  type Ext981Row,
  type ExtTaxlotInput,
  ext235RowSchema,
} from '../files';
import { type LotMatch, SimError } from './state';

const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

/* ================================================================== securities as of a date */

export interface SecurityAsOf {
  symbol: string;
  /** The CUSIP as of the process date (CUSIP changes applied). */
  cusip: string;
  /** The CUSIP before the latest CUSIP change on or before the process date, if any. */
  oldCusip: string | null;
  description: string;
}

/**
 * The security master as of the start of `processDate`: sim.securities with the CUSIP changes
 * (CUSIP_CHANGE and STOCK_MERGER actions whose CusipOld is the security's CUSIP) of process
 * dates up to and including `processDate` applied. Symbols are the simulator's keys and do not change.
 */
export async function securitiesAsOf(db: Knex, processDate: string): Promise<Map<string, SecurityAsOf>> {
  const secs: { symbol: string; cusip: string; description: string }[] =
    await db('sim.securities').orderBy('symbol');
  const changes: { cusip: string; cusip_old: string }[] = await db('sim.corporate_actions')
    .whereIn('action', ['CUSIP_CHANGE', 'STOCK_MERGER'])
    .whereNotNull('cusip_old')
    .where('process_date', '<=', processDate)
    .orderBy([{ column: 'process_date' }, { column: 'id' }])
    .select('cusip', 'cusip_old');
  const out = new Map<string, SecurityAsOf>();
  for (const s of secs) {
    let cusip = s.cusip;
    let oldCusip: string | null = null;
    for (const c of changes) {
      if (c.cusip_old === cusip && c.cusip !== cusip) {
        oldCusip = cusip;
        cusip = c.cusip;
      }
    }
    out.set(s.symbol, { symbol: s.symbol, cusip, oldCusip, description: s.description });
  }
  return out;
}

/** The last close strictly before `date` of every security (0 when there is none). */
export async function closesBefore(
  db: Knex,
  symbols: readonly string[],
  date: string,
): Promise<Map<string, Dec>> {
  const rows: { symbol: string; close: string }[] = symbols.length
    ? await db('sim.prices')
        .distinctOn('symbol')
        .whereIn('symbol', symbols)
        .where('date', '<', date)
        .orderBy([{ column: 'symbol' }, { column: 'date', order: 'desc' }])
        .select('symbol', 'close')
    : [];
  const out = new Map<string, Dec>(symbols.map((s) => [s, ZERO]));
  for (const r of rows) out.set(r.symbol, dec(r.close));
  return out;
}

/* ================================================================== executions */

interface ExecRow {
  execution_id: string;
  order_id: string;
  account_number: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  trade_date: string;
  executed_time: Date;
  /** A sell allocation's lot matching instructions (LotMatch[]), or null. */
  lot_matching: LotMatch[] | null;
}

function execsQuery(db: Knex) {
  return db('sim.executions as e')
    .join('sim.orders as o', 'o.order_id', 'e.order_id')
    .select(
      'e.execution_id',
      'e.order_id',
      'o.account_number',
      'o.symbol',
      'o.side',
      'e.quantity',
      'e.price',
      'e.trade_date',
      'e.executed_time',
      'o.lot_matching',
    )
    .orderBy([{ column: 'e.trade_date' }, { column: 'e.executed_time' }, { column: 'e.execution_id' }]);
}

/** Cash an execution moved: quantity × price, to the cent; negative for a BUY. */
function cashIn(e: { side: string; quantity: string; price: string }): Dec {
  const gross = dec(cashStr(dec(e.quantity).times(dec(e.price))));
  return e.side === 'BUY' ? gross.neg() : gross;
}

/* ================================================================== EXT869 cash activity */

export const CASH_KINDS = ['ACH', 'WIRE', 'DIVIDEND', 'INTEREST', 'FEE'] as const;
export type CashKind = (typeof CASH_KINDS)[number];

export const CashActivityInputSchema = z
  .object({
    accountNumber: z.string().min(1).max(20),
    /** The morning file (process date) that reports it; the cash moved the trading day before. */
    processDate: zDate,
    /** Ours: + = money into the account (EXT869 writes Apex's opposite sign). */
    amountIn: zDecimal.refine((s) => !/\.\d{3,}$/.test(s), 'at most 2 decimal places'),
    kind: z.enum(CASH_KINDS).default('ACH'),
    description: z.string().max(200).optional(),
    /** The security a dividend is paid on. */
    symbol: z.string().min(1).max(15).optional(),
    id: z.string().min(1).max(40).optional(),
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
    await trx('sim.cash_activity').insert({
      id,
      account_number: a.accountNumber,
      process_date: a.processDate,
      amount_in: amount.toFixed(2),
      description: a.description ?? defaultDescription(a.kind, amount, a.symbol),
      kind: a.kind,
      symbol: a.symbol ?? null,
    });
    await trx('sim.accounts')
      .where({ account_number: a.accountNumber })
      .update({ cash: dec(account.cash).plus(amount).toFixed(2) });
    return { id };
  });
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
    default:
      return { batchCode: amountIn.gte(0) ? '9C' : '9D', enteredBy: 'ACH' };
  }
}

/** BatchCode of trade settlement rows in EXT869 (our choice; Apex's is not public). */
export const SETTLEMENT_BATCH_CODE = 'TR';

/**
 * EXT869 rows for `processDate`: the cash activity reported that morning, then the cash of trades
 * that settled since the previous morning (settlement date in [previous trading day, processDate)),
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
      tradeNumber: '',
    };
  });

  const from = previousTradingDay(processDate);
  // A trade settles at most a couple of weeks after its trade date (holidays included).
  const execs: ExecRow[] = await execsQuery(db)
    .where('e.trade_date', '>=', addCalendarDays(from, -14))
    .where('e.trade_date', '<', processDate);
  const byOrder = new Map<string, { e: ExecRow; settle: string; qty: Dec; cash: Dec }>();
  for (const e of execs) {
    const settle = nextSettlementDay(e.trade_date);
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

/* ================================================================== EXT981 balances */

/**
 * EXT981 rows for `processDate`, one per simulator account: trade-date cash (what sim.accounts.cash
 * was at the start of the date), settled cash (trade-date cash without the trades not yet settled),
 * the market value of the positions at the previous close. A cash account: CashEquity and
 * NetBalance are the trade-date cash; AvailableToWithdraw the smaller of trade-date and settled
 * cash, never below zero.
 */
export async function balanceRows(
  db: Knex,
  processDate: string,
  positions: readonly { account_number: string; symbol: string; qty: Dec }[],
  closes: Map<string, Dec>,
): Promise<Ext981Row[]> {
  const accounts: { account_number: string; cash: string }[] =
    await db('sim.accounts').orderBy('account_number');
  const trade = new Map(accounts.map((a) => [a.account_number, dec(a.cash)]));
  const settled = new Map<string, Dec>();
  const add = (m: Map<string, Dec>, k: string, d: Dec) => m.set(k, (m.get(k) ?? ZERO).plus(d));
  // Undo what happened after the start of the date.
  const later: { account_number: string; amount_in: string }[] = await db('sim.cash_activity')
    .where('process_date', '>', processDate)
    .select('account_number', 'amount_in');
  for (const a of later) add(trade, a.account_number, dec(a.amount_in).neg());
  const execs: ExecRow[] = await execsQuery(db).where(
    'e.trade_date',
    '>=',
    addCalendarDays(previousTradingDay(processDate), -14),
  );
  for (const e of execs) {
    if (e.trade_date >= processDate) add(trade, e.account_number, cashIn(e).neg());
    // Traded before the date, settling on or after it: in trade-date cash, not yet in settled cash.
    else if (nextSettlementDay(e.trade_date) >= processDate) add(settled, e.account_number, cashIn(e).neg());
  }
  const pmv = new Map<string, Dec>();
  for (const p of positions) add(pmv, p.account_number, p.qty.times(closes.get(p.symbol) ?? ZERO));
  return accounts.map((a) => {
    const cashTrade = trade.get(a.account_number) ?? ZERO;
    const cashSettle = cashTrade.plus(settled.get(a.account_number) ?? ZERO);
    const marketValue = dec(cashStr(pmv.get(a.account_number) ?? ZERO));
    const available = Dec.max(ZERO, Dec.min(cashTrade, cashSettle));
    return {
      accountNumber: a.account_number,
      processDate,
      totalEquity: cashStr(cashTrade.plus(marketValue)),
      cashEquity: cashStr(cashTrade),
      netBalance: cashStr(cashTrade),
      availableToWithdraw: cashStr(available),
      positionMarketValue: cashStr(marketValue),
      cashTradeBalance: cashStr(cashTrade),
      cashSettleBalance: cashStr(cashSettle),
    };
  });
}

/* ================================================================== EXT_TAXLOT tax lots */

export interface SimLot {
  lotId: string;
  accountNumber: string;
  symbol: string;
  openTradeDate: string;
  openSettleDate: string | null;
  qty: Dec;
  unitCost: Dec;
  acquisitionMethod: 'BUY' | 'DRIP' | 'ACATS' | 'CA';
  covered: boolean;
}

function settleDateOf(tradeDate: string): string | null {
  try {
    return nextSettlementDay(tradeDate);
  } catch {
    return null; // outside the calendar's years
  }
}

/**
 * The open lots at the start of `processDate`: sim.lots opened before the date, then every
 * execution traded before it, in trade order (BUY opens a lot, SELL closes the lots its lot
 * matching instructions name, then first in, first out; a SELL beyond the known lots closes what there is). Sorted by account, symbol, open date, id.
 * The average-price account (where block orders execute before they are allocated) has no lots.
 */
export async function lotsAsOf(db: Knex, processDate: string): Promise<SimLot[]> {
  // select *: the average_price_account column comes with the block-order migration.
  const house = new Set(
    ((await db('sim.accounts').select('*')) as { account_number: string; average_price_account?: boolean }[])
      .filter((a) => a.average_price_account === true)
      .map((a) => a.account_number),
  );
  const base: {
    lot_id: string;
    account_number: string;
    symbol: string;
    open_date: string;
    qty: string;
    unit_cost: string;
    acquisition_method: string;
    covered: boolean;
  }[] = await db('sim.lots').where('open_date', '<', processDate).orderBy(['open_date', 'lot_id']);
  const open = new Map<string, SimLot[]>();
  const push = (l: SimLot) => {
    const k = `${l.accountNumber}|${l.symbol}`;
    const list = open.get(k) ?? [];
    list.push(l);
    open.set(k, list);
  };
  for (const b of base) {
    push({
      lotId: b.lot_id,
      accountNumber: b.account_number,
      symbol: b.symbol,
      openTradeDate: b.open_date,
      openSettleDate: settleDateOf(b.open_date),
      qty: dec(b.qty),
      unitCost: dec(b.unit_cost),
      acquisitionMethod: (['BUY', 'DRIP', 'ACATS', 'CA'].includes(b.acquisition_method)
        ? b.acquisition_method
        : 'BUY') as SimLot['acquisitionMethod'],
      covered: b.covered,
    });
  }
  const execs: ExecRow[] = await execsQuery(db).where('e.trade_date', '<', processDate);
  for (const e of execs) {
    if (house.has(e.account_number)) continue;
    const qty = dec(e.quantity);
    if (e.side === 'BUY') {
      push({
        lotId: e.execution_id,
        accountNumber: e.account_number,
        symbol: e.symbol,
        openTradeDate: e.trade_date,
        openSettleDate: settleDateOf(e.trade_date),
        qty,
        unitCost: dec(e.price),
        acquisitionMethod: 'BUY',
        covered: true,
      });
      continue;
    }
    const list = matchedFirst((open.get(`${e.account_number}|${e.symbol}`) ?? []).sort(fifo), e.lot_matching);
    let left = qty;
    for (const lot of list) {
      if (left.lte(0)) break;
      const take = Dec.min(left, lot.qty);
      lot.qty = lot.qty.minus(take);
      left = left.minus(take);
    }
  }
  return [...open.values()]
    .flat()
    .filter((l) => l.qty.gt(0))
    .sort(
      (a, b) =>
        cmpStr(a.accountNumber, b.accountNumber) ||
        cmpStr(a.symbol, b.symbol) ||
        cmpStr(a.openTradeDate, b.openTradeDate) ||
        cmpStr(a.lotId, b.lotId),
    );
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The lots a sell closes, in order: those its lot matching instructions name (by lot id, or by the
 * lot's trade date and price when the id is not the custodian's), then the rest first in, first out.
 */
function matchedFirst(lots: SimLot[], instructions: LotMatch[] | null): SimLot[] {
  if (!instructions || instructions.length === 0) return lots;
  const chosen: SimLot[] = [];
  for (const m of instructions) {
    const free = lots.filter((l) => !chosen.includes(l) && l.qty.gt(0));
    const lot =
      free.find((l) => m.id !== undefined && l.lotId === m.id) ??
      free.find(
        (l) =>
          m.tradeDate !== undefined &&
          m.price !== undefined &&
          l.openTradeDate === m.tradeDate &&
          l.unitCost.toFixed(6) === dec(m.price).toFixed(6),
      );
    if (lot) chosen.push(lot);
  }
  return [...chosen, ...lots.filter((l) => !chosen.includes(l))];
}

function fifo(a: SimLot, b: SimLot): number {
  return cmpStr(a.openTradeDate, b.openTradeDate) || cmpStr(a.lotId, b.lotId);
}

/** Long-term (L) when held more than one year at the process date, else short-term (S). */
export function termCode(openTradeDate: string, processDate: string): 'S' | 'L' {
  const anniversary = `${Number(openTradeDate.slice(0, 4)) + 1}${openTradeDate.slice(4)}`;
  return processDate > anniversary ? 'L' : 'S';
}

/** EXT_TAXLOT rows for `processDate` from the open lots, valued at the previous close. */
export function taxLotRows(
  lots: readonly SimLot[],
  processDate: string,
  secs: Map<string, SecurityAsOf>,
  closes: Map<string, Dec>,
): ExtTaxlotInput[] {
  return lots.map((l) => {
    const totalCost = cashStr(l.qty.times(l.unitCost));
    const c = closes.get(l.symbol);
    const close = c?.gt(0) ? c : undefined;
    const marketValue = close ? cashStr(l.qty.times(close)) : null;
    return {
      accountNumber: l.accountNumber,
      processDate,
      cusip: secs.get(l.symbol)?.cusip ?? 'UNKNOWN00',
      symbol: l.symbol,
      lotId: l.lotId,
      openTradeDate: l.openTradeDate,
      openSettleDate: l.openSettleDate,
      quantity: qtyStr(l.qty),
      unitCost: l.unitCost.toFixed(6),
      totalCost,
      adjustedCost: totalCost,
      washSaleDisallowedAdj: '0.00',
      termCode: termCode(l.openTradeDate, processDate),
      coveredFlag: l.covered ? 'COVERED' : 'NONCOVERED',
      acquisitionMethod: l.acquisitionMethod,
      closingPrice: close ? close.toFixed(6) : null,
      marketValue,
      unrealizedGL: marketValue === null ? null : cashStr(dec(marketValue).minus(totalCost)),
    };
  });
}

/* ================================================================== EXT235 corporate actions */

const zOptDecimal = zDecimal.nullable().optional();

export const CorporateActionInputSchema = z
  .object({
    processDate: zDate,
    action: z.enum(CORPORATE_ACTIONS),
    symbol: z.string().min(1).max(15),
    symbolOld: z.string().min(1).max(15).nullable().optional(),
    cusip: z.string().min(1).max(9),
    cusipOld: z.string().min(1).max(9).nullable().optional(),
    stockFactor: zOptDecimal,
    cashFactor: zOptDecimal,
    recordDate: zDate.nullable().optional(),
    payableDate: zDate.nullable().optional(),
  })
  .strict();
export type CorporateActionInput = z.input<typeof CorporateActionInputSchema>;

/**
 * Records a mandatory corporate action, reported in EXT235 on its process date. The row is checked
 * with the EXT235 row schema (factors each action needs, old CUSIP/symbol given and different).
 * A CUSIP change (or stock merger) also changes the CUSIP the other files give the security from
 * that process date on (see securitiesAsOf); positions, lots and symbols are not changed.
 */
export async function addCorporateAction(db: Knex, input: CorporateActionInput): Promise<{ id: number }> {
  const a = CorporateActionInputSchema.parse(input);
  const row: Ext235Row = {
    cusip: a.cusip.toUpperCase(),
    cusipOld: a.cusipOld ? a.cusipOld.toUpperCase() : null,
    symbol: a.symbol.toUpperCase(),
    symbolOld: a.symbolOld ? a.symbolOld.toUpperCase() : null,
    action: a.action,
    stockFactor: a.stockFactor ?? null,
    cashFactor: a.cashFactor ?? null,
    recordDate: a.recordDate ?? null,
    payableDate: a.payableDate ?? null,
    processDate: a.processDate,
  };
  const checked = ext235RowSchema.safeParse(row);
  if (!checked.success) {
    const msg = checked.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
    throw new SimError(400, 'INVALID_ARGUMENT', msg);
  }
  const [inserted] = await db('sim.corporate_actions')
    .insert({
      process_date: row.processDate,
      action: row.action,
      symbol: row.symbol,
      symbol_old: row.symbolOld,
      cusip: row.cusip,
      cusip_old: row.cusipOld,
      stock_factor: row.stockFactor,
      cash_factor: row.cashFactor,
      record_date: row.recordDate,
      payable_date: row.payableDate,
    })
    .returning('id');
  return { id: Number((inserted as { id: number }).id) };
}

/** A decimal from a NUMERIC column without trailing zeros ('2.0000000000' -> '2'). */
function plain(s: string | null): string | null {
  return s === null ? null : new Dec(s).toFixed();
}

/** EXT235 rows for `processDate`, in the order they were added. */
export async function corporateActionRows(db: Knex, processDate: string): Promise<Ext235Row[]> {
  const rows: {
    action: CorporateAction;
    symbol: string;
    symbol_old: string | null;
    cusip: string;
    cusip_old: string | null;
    stock_factor: string | null;
    cash_factor: string | null;
    record_date: string | null;
    payable_date: string | null;
  }[] = await db('sim.corporate_actions').where({ process_date: processDate }).orderBy('id');
  return rows.map((r) => ({
    cusip: r.cusip,
    cusipOld: r.cusip_old,
    symbol: r.symbol,
    symbolOld: r.symbol_old,
    action: r.action,
    stockFactor: plain(r.stock_factor),
    cashFactor: plain(r.cash_factor),
    recordDate: r.record_date,
    payableDate: r.payable_date,
    processDate,
  }));
}
