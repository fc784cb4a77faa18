/**
 * Next-morning confirm matching: the custodian's trade activity (EXT872) for a trade date against
 * the account's filled orders (the rules: src/domain/confirms.ts), each result kept in
 * `confirm_matches` (a retried call updates its rows).
 */
import type { Knex } from 'knex';
import type { ConfirmSummary } from '../contracts';
import { nextSettlementDay, nextTradingDay } from '../domain/calendar';
import { type MatchConfirmsInput, matchConfirms } from '../domain/confirms';
import { confirmBreaks } from '../notifications/notify';
import { accountRow } from './accounts';
import type { ActivityDeps } from './deps';
import type { Ingest } from './ingestion';
import { notifyContextOf } from './notifications';

export function confirmActivities(deps: ActivityDeps, ingest: Ingest) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    /**
     * Next morning: ingests the next trading day's files and matches the custodian's trade
     * activity (EXT872) for the trade date against our orders (docs/domain.md §9): quantity exact,
     * average price ±$0.005, settlement date = next settlement day.
     */
    async matchConfirms(input: { tradeDate: string; accountId: string }): Promise<ConfirmSummary> {
      await ingest(nextTradingDay(input.tradeDate));
      const acct = await accountRow(db, input.accountId);
      const matched = matchConfirms(
        await confirmInput(db, input.tradeDate, input.accountId, acct.custodian_account_number),
      );
      const s = matched.summary;
      // '' rather than NULL for a missing id: NULLs are distinct in a unique key, and a retried
      // activity must update its rows, not add new ones.
      await db.transaction(async (trx) => {
        for (const r of matched.results) {
          await trx('confirm_matches')
            .insert({
              trade_date: input.tradeDate,
              account_id: input.accountId,
              client_order_id: r.clientOrderId ?? '',
              custodian_order_id: r.custodianOrderId ?? '',
              result: r.result,
              diffs: JSON.stringify(r.diffs.map((d) => `${d.field}: ours ${d.ours}, theirs ${d.theirs}`)),
            })
            .onConflict(['trade_date', 'account_id', 'client_order_id', 'custodian_order_id'])
            .merge(['result', 'diffs', 'matched_at']);
        }
        // Breaks go to the advisor and to ops (written once: a retried call adds nothing).
        await confirmBreaks(trx, notifyCtx, input);
      });
      return {
        matched: s.matched,
        matchedWithinTolerance: s.matchedWithinTolerance,
        mismatched: s.mismatched + s.canceledAtCustodian,
        unmatchedOurs: s.unmatchedOurs,
        unmatchedTheirs: s.unmatchedTheirs,
      };
    },
  };
}

/** Our filled orders of the trade date and the custodian's trades of the account for it. */
async function confirmInput(
  db: Knex,
  tradeDate: string,
  accountId: string,
  accountNumber: string,
): Promise<MatchConfirmsInput> {
  const ours: {
    client_order_id: string;
    custodian_order_id: string | null;
    symbol: string;
    side: 'BUY' | 'SELL';
    filled_qty: string;
    avg_price: string;
  }[] = await db('orders')
    .where({ trade_date: tradeDate, account_id: accountId })
    .where('filled_qty', '>', 0);
  const theirs: {
    order_id: string;
    client_order_id: string | null;
    buy_sell_code: 'B' | 'S' | 'C' | 'T';
    symbol: string;
    qty: string;
    price: string;
    principal: string;
    settle_date: string;
    trade_date: string;
  }[] = await db('custodian_trades').where({ trade_date: tradeDate, account_number: accountNumber });
  return {
    tradeDate,
    expectedSettlementDate: nextSettlementDay(tradeDate),
    ours: ours.map((o) => ({
      clientOrderId: o.client_order_id,
      custodianOrderId: o.custodian_order_id,
      accountNumber,
      symbol: o.symbol,
      side: o.side,
      qty: o.filled_qty,
      avgPrice: o.avg_price,
    })),
    theirs: theirs.map((t) => ({
      orderId: t.order_id,
      clientOrderId: t.client_order_id,
      accountNumber,
      symbol: t.symbol,
      buySellCode: t.buy_sell_code,
      quantity: t.qty,
      price: t.price,
      principalAmount: t.principal,
      settlementDate: t.settle_date,
      tradeDate: t.trade_date,
    })),
  };
}
