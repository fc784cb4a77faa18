/** EXT981 balances of the simulated custodian as of the start of a process date. */
import type { Knex } from 'knex';
import { addCalendarDays, previousTradingDay } from '../../domain/calendar';
import { Dec, ZERO, cashStr, dec } from '../../domain/money';
import type { Ext981Row } from '../files';
import { type ExecRow, cashIn, executionsSettlingSince } from './executions';
import { SettlementCalendar } from './settlement';

/**
 * EXT981 rows for `processDate`, one per simulator account: trade-date cash (what sim.accounts.cash
 * was at the start of the date), settled cash (trade-date cash without the trades not yet settled,
 * settlement faults included: ./settlement.ts),
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
  const cal = await SettlementCalendar.load(db);
  const execs: ExecRow[] = await executionsSettlingSince(
    db,
    addCalendarDays(previousTradingDay(processDate), -14),
  );
  for (const e of execs) {
    if (e.trade_date >= processDate) add(trade, e.account_number, cashIn(e).neg());
    // Traded before the date, not settled by it: in trade-date cash, not yet in settled cash.
    else if (!cal.settledBy(e, processDate)) add(settled, e.account_number, cashIn(e).neg());
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
