/**
 * Settlement monitoring (docs/domain.md §5.7): on the morning after a trade's settlement date
 * (T+1 on the settlement calendar) the custodian's settled quantity (EXT871 SettleQuantity) must
 * show it. A trade that has not settled by then is a SETTLEMENT break: a fail to receive (a buy:
 * its shares may not be sold until they arrive, hold NO_SELL) or a fail to deliver (a sell: flagged
 * to ops), aged from its settlement date, carried until a later morning shows it settled.
 */
import type { Knex } from 'knex';
import { type Dec, ZERO, cashStr, dec, qtyStr } from '../../domain/money';
import {
  DEFAULT_RECON_POLICY,
  UNRESOLVED_STATUSES,
  ageInTradingDays,
  explainingItems,
} from '../../domain/recon';
import { writeAudit } from '../audit';
import type { SyncContext } from './context';

interface FillRow {
  client_order_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  filled_qty: string;
  avg_price: string;
  trade_date: string;
  settle_date: string;
}

export interface SettlementCheck {
  /** Trades the morning's files show settled for the first time. */
  settled: number;
  /** Trades past their settlement date that the custodian has not settled. */
  failing: { clientOrderId: string; symbol: string; side: 'BUY' | 'SELL'; qty: string; age: number }[];
}

/**
 * Checks the account's trades due to have settled by the trade date against the custodian's settled
 * quantities. Needs the positions file (EXT871); without it nothing is checked.
 */
export async function checkSettlement(trx: Knex.Transaction, ctx: SyncContext): Promise<SettlementCheck> {
  const out: SettlementCheck = { settled: 0, failing: [] };
  const fills: FillRow[] = await trx('orders')
    .where({ account_id: ctx.account.id, booked: true })
    .where('filled_qty', '>', 0)
    .whereNotNull('settle_date')
    .whereNull('settled_on')
    .select('client_order_id', 'symbol', 'side', 'filled_qty', 'avg_price', 'trade_date', 'settle_date');
  const overdue = fills.filter((f) => f.settle_date < ctx.tradeDate);
  if (overdue.length === 0) return out;
  const theirs: { symbol: string; settle_qty: string }[] = await trx('custodian_positions')
    .where({ process_date: ctx.tradeDate, account_number: ctx.account.custodianNumber })
    .select('symbol', 'settle_qty');
  if (theirs.length === 0 && !(await hasPositionsFile(trx, ctx.tradeDate))) return out;
  const settledQty = new Map<string, Dec>();
  for (const t of theirs)
    settledQty.set(
      t.symbol.toUpperCase(),
      (settledQty.get(t.symbol.toUpperCase()) ?? ZERO).plus(dec(t.settle_qty)),
    );
  const book = new Map<string, Dec>(
    (
      (await trx('positions').where({ account_id: ctx.account.id }).select('symbol', 'qty')) as {
        symbol: string;
        qty: string;
      }[]
    ).map((p) => [p.symbol, dec(p.qty)]),
  );
  const signed = (f: FillRow) => (f.side === 'BUY' ? dec(f.filled_qty) : dec(f.filled_qty).neg());
  for (const symbol of [...new Set(overdue.map((f) => f.symbol))].sort()) {
    // What the custodian should show settled: the book's shares less those of trades not yet due.
    const notDue = fills.filter((f) => f.symbol === symbol && f.settle_date >= ctx.tradeDate);
    const expected = notDue.reduce((q, f) => q.minus(signed(f)), book.get(symbol) ?? ZERO);
    const diff = (settledQty.get(symbol.toUpperCase()) ?? ZERO).minus(expected);
    const mine = overdue.filter((f) => f.symbol === symbol);
    // The trades whose absence explains the difference are the ones that did not settle.
    const failed = diff.isZero()
      ? []
      : (explainingItems(mine, (f) => signed(f).neg(), diff, ZERO, DEFAULT_RECON_POLICY.maxPendingItems) ??
        []);
    for (const f of mine) {
      if (failed.includes(f)) {
        out.failing.push(await openSettlementBreak(trx, ctx, f, expected, diff));
      } else {
        await trx('orders')
          .where({ client_order_id: f.client_order_id })
          .update({ settled_on: ctx.tradeDate });
        await resolveSettlementBreak(trx, ctx, f.client_order_id);
        out.settled++;
      }
    }
  }
  return out;
}

async function hasPositionsFile(trx: Knex.Transaction, processDate: string): Promise<boolean> {
  return !!(await trx('custodian_files')
    .where({ process_date: processDate, code: 'EXT871', status: 'INGESTED' })
    .first('id'));
}

/** The SETTLEMENT break of a trade past its settlement date: opened once, its age kept current. */
async function openSettlementBreak(
  trx: Knex.Transaction,
  ctx: SyncContext,
  f: FillRow,
  expected: Dec,
  diff: Dec,
): Promise<SettlementCheck['failing'][number]> {
  const qty = dec(f.filled_qty);
  const materiality = dec(cashStr(qty.times(dec(f.avg_price))));
  // Trading days since it should have settled (1 on the first morning it is late).
  const age = ageInTradingDays(f.settle_date, ctx.tradeDate);
  const what = f.side === 'BUY' ? 'fail to receive' : 'fail to deliver';
  const values = {
    symbol: f.symbol,
    category: 'SETTLEMENT',
    ours: qtyStr(expected),
    theirs: qtyStr(expected.plus(diff)),
    diff: qtyStr(diff),
    materiality_usd: cashStr(materiality),
    escalate: materiality.gt(dec(DEFAULT_RECON_POLICY.escalateAboveUsd)),
    cause: `${what}: ${f.side} ${qtyStr(qty)} ${f.symbol} traded ${f.trade_date} was due to settle ${f.settle_date} and the custodian does not show it settled${f.side === 'BUY' ? '; its shares may not be sold until they arrive' : ''}`,
    // A buy's shares have not arrived: they may not be sold. A sell's failure is the street's to fix.
    hold: f.side === 'BUY' ? 'NO_SELL' : 'NONE',
    last_seen_date: ctx.tradeDate,
    age_days: age,
  };
  const open = await trx('breaks')
    .where({ account_id: ctx.account.id, type: 'SETTLEMENT', key: f.client_order_id })
    .whereIn('status', UNRESOLVED_STATUSES)
    .first('id');
  if (open) await trx('breaks').where({ id: open.id }).update(values);
  else {
    const [row] = await trx('breaks')
      .insert({
        trade_date: ctx.tradeDate,
        type: 'SETTLEMENT',
        key: f.client_order_id,
        account_id: ctx.account.id,
        status: 'OPEN',
        first_seen_date: f.settle_date,
        ...values,
      })
      .onConflict(['trade_date', 'type', 'account_id', 'key'])
      .merge()
      .returning('id');
    await writeAudit(trx, {
      actor: 'sync',
      action: 'SETTLEMENT_BREAK',
      entity: 'break',
      entityId: String((row as { id: number }).id),
      details: { accountId: ctx.account.id, clientOrderId: f.client_order_id, cause: values.cause },
      idempotencyKey: `settlement-break:${f.client_order_id}`,
    });
  }
  return { clientOrderId: f.client_order_id, symbol: f.symbol, side: f.side, qty: qtyStr(qty), age };
}

async function resolveSettlementBreak(
  trx: Knex.Transaction,
  ctx: SyncContext,
  clientOrderId: string,
): Promise<void> {
  const n = await trx('breaks')
    .where({ account_id: ctx.account.id, type: 'SETTLEMENT', key: clientOrderId })
    .whereIn('status', UNRESOLVED_STATUSES)
    .update({
      status: 'RESOLVED_AUTO',
      resolved_at: trx.fn.now(),
      resolved_by: 'sync',
      note: `settled: the custodian's files of ${ctx.tradeDate} show it`,
      last_seen_date: ctx.tradeDate,
    });
  if (n > 0)
    await writeAudit(trx, {
      actor: 'sync',
      action: 'SETTLEMENT_BREAK_RESOLVED',
      entity: 'account',
      entityId: ctx.account.id,
      details: { clientOrderId, tradeDate: ctx.tradeDate },
      idempotencyKey: `settlement-resolved:${clientOrderId}`,
    });
}
