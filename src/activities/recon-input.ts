/**
 * Loads everything the pure reconciliation (src/domain/recon.ts) needs about one account on one
 * trade date: the custodian's side (the morning files as ingested), the book's side, and the
 * pending items either side has that the other cannot show yet.
 */
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import type { Reference } from '../book/reference-cache';
import { addCalendarDays, previousTradingDay } from '../domain/calendar';
import { cashStr, dec, qtyStr } from '../domain/money';
import type {
  CorporateActionRow,
  PendingCash,
  PendingLot,
  PendingPosition,
  ReconInput,
} from '../domain/recon';
import { latestPrices } from './prices';

/** Corporate actions this many calendar days old still explain a difference. */
const CORPORATE_ACTION_LOOKBACK_DAYS = 30;

export interface ReconAccount {
  id: string;
  custodian_account_number: string;
}

/** Everything the pure reconciliation needs about one account on one trade date. */
export async function loadReconInput(
  db: Knex,
  tradeDate: string,
  acct: ReconAccount,
  files: ReadonlySet<string>,
  /** The day's reference data (src/book/reference-cache.ts): the same for every account. */
  ref: Reference,
): Promise<ReconInput> {
  const custodian = await custodianSide(db, tradeDate, acct.custodian_account_number, files);
  const book = await bookSide(db, acct.id);
  const reference = await ref.get(`recon-reference:${tradeDate}`, () => referenceData(db, tradeDate));
  const pending = await pendingItems(db, tradeDate, acct);
  const priced = new Set(custodian.positions.map((p) => p.symbol));
  return {
    asOf: tradeDate,
    book,
    custodian,
    ...reference,
    pending,
    // Our closes, for the materiality of a holding the custodian reports no price for.
    prices: book.positions.some((b) => !priced.has(b.symbol)) ? await latestPrices(db, tradeDate, ref) : {},
  };
}

/** The custodian's files for the account: positions (EXT871), cash (EXT981), lots (EXT_TAXLOT). */
async function custodianSide(
  db: Knex,
  tradeDate: string,
  number: string,
  files: ReadonlySet<string>,
): Promise<ReconInput['custodian']> {
  const positions: {
    symbol: string;
    cusip: string;
    trade_qty: string;
    settle_qty: string;
    closing_price: string;
  }[] = await db('custodian_positions').where({ process_date: tradeDate, account_number: number });
  const balance = files.has('EXT981')
    ? await db('custodian_balances').where({ process_date: tradeDate, account_number: number }).first()
    : undefined;
  const lots: {
    lot_id: string;
    symbol: string;
    cusip: string;
    open_trade_date: string;
    qty: string;
    total_cost: string;
    adjusted_cost: string;
    wash_sale_adj: string;
  }[] = files.has('EXT_TAXLOT')
    ? await db('custodian_lots').where({ process_date: tradeDate, account_number: number }).orderBy('lot_id')
    : [];
  return {
    positions: positions.map((p) => ({
      symbol: p.symbol,
      cusip: p.cusip,
      tradeQty: p.trade_qty,
      settleQty: p.settle_qty,
      closingPrice: p.closing_price,
    })),
    // A balance file without a row for the account: the custodian reports no cash.
    cash: files.has('EXT981') ? (balance?.cash_trade_balance ?? '0.00') : null,
    lots: files.has('EXT_TAXLOT')
      ? lots.map((l) => ({
          lotId: l.lot_id,
          symbol: l.symbol,
          cusip: l.cusip,
          openTradeDate: l.open_trade_date,
          qty: l.qty,
          totalCost: l.total_cost,
          adjustedCost: l.adjusted_cost,
          washSaleAdj: l.wash_sale_adj,
        }))
      : null,
  };
}

/** The book's positions, cash and open lots of the account. */
async function bookSide(db: Knex, accountId: string): Promise<ReconInput['book']> {
  const positions: { symbol: string; qty: string }[] = await db('positions')
    .where({ account_id: accountId })
    .select('symbol', 'qty');
  const cash = await db('cash_balances').where({ account_id: accountId }).first();
  const lots: { id: string; symbol: string; open_date: string; qty: string; unit_cost: string }[] = await db(
    'tax_lots',
  )
    .where({ account_id: accountId })
    .where('qty', '>', 0)
    .orderBy('id');
  return {
    positions,
    cash: cash?.amount ?? '0.00',
    lots: lots.map((l) => ({
      lotId: l.id,
      symbol: l.symbol,
      openDate: l.open_date,
      qty: l.qty,
      unitCost: l.unit_cost,
    })),
  };
}

/** Both security masters and the recent corporate actions that may explain an id or a quantity. */
async function referenceData(
  db: Knex,
  tradeDate: string,
): Promise<Pick<ReconInput, 'securities' | 'securityMaster' | 'corporateActions'>> {
  const actions: {
    action: CorporateActionRow['action'];
    cusip: string;
    cusip_old: string | null;
    symbol: string;
    symbol_old: string | null;
    stock_factor: string | null;
    cash_factor: string | null;
    process_date: string;
  }[] = await db('custodian_corporate_actions')
    .whereBetween('process_date', [addCalendarDays(tradeDate, -CORPORATE_ACTION_LOOKBACK_DAYS), tradeDate])
    .orderBy(['process_date', 'line_no']);
  const master: { cusip: string; symbol: string; old_cusip: string | null }[] = await db(
    'custodian_securities',
  )
    .where(
      'process_date',
      db('custodian_securities').where('process_date', '<=', tradeDate).max('process_date'),
    )
    .select('cusip', 'symbol', 'old_cusip');
  const securities: { symbol: string; cusip: string; cusip_old: string | null }[] = await db(
    'securities',
  ).select('symbol', 'cusip', 'cusip_old');
  return {
    securities: securities.map((s) => ({ symbol: s.symbol, cusip: s.cusip, cusipOld: s.cusip_old })),
    securityMaster: master.map((m) => ({ cusip: m.cusip, symbol: m.symbol, oldCusip: m.old_cusip })),
    corporateActions: actions.map((a) => ({
      action: a.action,
      cusip: a.cusip,
      cusipOld: a.cusip_old,
      symbol: a.symbol,
      symbolOld: a.symbol_old,
      stockFactor: a.stock_factor,
      cashFactor: a.cash_factor,
      processDate: a.process_date,
    })),
  };
}

/** Items one side has and the other cannot show yet. */
async function pendingItems(
  db: Knex,
  tradeDate: string,
  acct: ReconAccount,
): Promise<NonNullable<ReconInput['pending']>> {
  const pending = { positions: [] as PendingPosition[], cash: [] as PendingCash[], lots: [] as PendingLot[] };
  await addUnreportedFills(db, tradeDate, acct, pending);
  await addUnpostedCash(db, tradeDate, acct, pending.cash);
  return pending;
}

/**
 * Our fills of the last trading day and today that the custodian has not reported (no EXT872 row):
 * the custodian's files cannot show them yet.
 */
async function addUnreportedFills(
  db: Knex,
  tradeDate: string,
  acct: ReconAccount,
  pending: { positions: PendingPosition[]; cash: PendingCash[]; lots: PendingLot[] },
): Promise<void> {
  const fills: {
    client_order_id: string;
    custodian_order_id: string | null;
    symbol: string;
    side: 'BUY' | 'SELL';
    filled_qty: string;
    avg_price: string;
    trade_date: string;
  }[] = await db('orders')
    .where({ account_id: acct.id, booked: true })
    .whereBetween('trade_date', [previousTradingDay(tradeDate), tradeDate])
    .where('filled_qty', '>', 0);
  if (fills.length === 0) return;
  const reported: { order_id: string; client_order_id: string | null }[] = await db('custodian_trades')
    .where({ account_number: acct.custodian_account_number })
    .where('process_date', '<=', tradeDate)
    .where('trade_date', '>=', previousTradingDay(tradeDate))
    .select('order_id', 'client_order_id');
  const unreported = fills.filter(
    (f) =>
      !reported.some(
        (r) =>
          (f.custodian_order_id && r.order_id === f.custodian_order_id) ||
          r.client_order_id === f.client_order_id,
      ),
  );
  for (const f of unreported) {
    const q = dec(f.filled_qty);
    const notional = q.times(dec(f.avg_price)).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
    const what = `${f.side} ${qtyStr(q)} ${f.symbol} filled ${f.trade_date}, not reported by the custodian`;
    // Custodian − book: a buy the custodian does not know yet shows fewer shares and more cash there.
    pending.positions.push({
      symbol: f.symbol,
      qty: qtyStr(f.side === 'BUY' ? q.neg() : q),
      ref: f.client_order_id,
      what,
    });
    pending.cash.push({
      amount: cashStr(f.side === 'BUY' ? notional : notional.neg()),
      ref: f.client_order_id,
      what,
    });
    if (f.side === 'BUY')
      pending.lots.push({ lotId: `L-${f.client_order_id}`, ref: f.client_order_id, what });
  }
}

/**
 * Cash either side may have moved before the other shows it: a custodian line of the morning the
 * sync has not posted (it posts every line, so this is a safety net), and the book's flows still in
 * flight (an expected deposit, a withdrawal sent and not yet paid), which the custodian may already
 * have applied. Trade settlements (lines with a trade date) are left out: trade-date cash has them
 * since the trade date on both sides.
 */
async function addUnpostedCash(
  db: Knex,
  tradeDate: string,
  acct: ReconAccount,
  pendingCash: PendingCash[],
): Promise<void> {
  const unposted: {
    line_no: number;
    amount_in: string;
    description: string;
    batch_code: string;
    entry_date: string;
    trade_number: string;
  }[] = await db('custodian_cash_activity as c')
    .where({ 'c.process_date': tradeDate, 'c.account_number': acct.custodian_account_number })
    .whereNull('c.trade_date')
    .whereNotExists(
      db('cash_flows as f')
        .where('f.account_id', acct.id)
        .whereRaw("f.source_ref = 'EXT869/' || c.process_date::text || '/' || c.line_no::text"),
    )
    .orderBy('c.line_no')
    .select('c.line_no', 'c.amount_in', 'c.description', 'c.batch_code', 'c.entry_date', 'c.trade_number');
  for (const a of unposted)
    pendingCash.push({
      amount: a.amount_in,
      ref: a.trade_number || `EXT869 line ${a.line_no}`,
      what: `${a.description || `batch ${a.batch_code}`} entered ${a.entry_date}, not posted in the book`,
    });
  const inFlight: { id: string; type: string; amount: string; status: string }[] = await db('cash_flows')
    .where({ account_id: acct.id })
    .whereIn('status', ['PENDING', 'SENT'])
    .where('effective_date', '<=', tradeDate);
  for (const f of inFlight)
    pendingCash.push({
      amount: f.amount,
      ref: f.id,
      what: `${f.status === 'SENT' ? 'sent' : 'pending'} ${f.type.toLowerCase()}`,
    });
}
