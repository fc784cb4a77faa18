/**
 * Loads everything the rebalancing engine needs about one account on one trade date into an
 * `AccountSnapshot`: the model version and its settings (per-account overrides win; the book's
 * configuration, src/book/engine-inputs.ts), holdings with their open lots and prices, cash and
 * the withdrawals it must fund, the restrictions in force (the account's, its advisor's and the
 * firm's restricted lists, and shares that may not be sold until they settle), securities held by
 * unresolved breaks, and the household's trades of the last 30 days (IRAs included)
 * plus today's proposed buys, for the wash-sale rule.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { type AccountRow, type StoredOverrides, accountEngineLayer } from '../book/accounts';
import { engineRestrictions, identicalGroups, loadModelLayer } from '../book/engine-inputs';
import { referenceOf } from '../book/reference-cache';
import { addCalendarDays } from '../domain/calendar';
import type { AccountSnapshot, EngineConfig } from '../domain/engine';
import { cashStr, dec, sum } from '../domain/money';
import { breakHolds } from './breaks';
import { latestPrices } from './prices';

/** What a preview (what-if) puts in place of the account's own configuration. */
export interface SnapshotOverlay {
  model_id?: string;
  overrides?: StoredOverrides;
  lot_method?: AccountRow['lot_method'];
}

export async function loadSnapshot(
  db: Knex,
  tradeDate: string,
  accountId: string,
  overlay: SnapshotOverlay = {},
): Promise<AccountSnapshot> {
  const row: AccountRow | undefined = await db('accounts').where({ id: accountId }).first();
  if (!row) throw ApplicationFailure.nonRetryable(`account ${accountId} does not exist`, 'NotFound');
  const a: AccountRow = { ...row, ...overlay };
  if (!a.model_id)
    throw ApplicationFailure.nonRetryable(`account ${accountId} has no model (${a.status})`, 'NotSetUp');
  // The securities, closes and model versions every account reads: once per generation.
  const ref = await referenceOf(db);
  const model = await loadModelLayer(db, a.model_id, undefined, ref);
  if (!model)
    throw ApplicationFailure.nonRetryable(`model ${a.model_id} of ${accountId} does not exist`, 'NotFound');
  const accountConfig = accountEngineLayer(a) as Partial<EngineConfig>;

  const prices = await latestPrices(db, tradeDate, ref);
  const positions: { symbol: string; qty: string }[] = await db('positions')
    .where({ account_id: accountId })
    .where('qty', '>', 0)
    .orderBy('symbol');
  const lots: { id: string; symbol: string; open_date: string; qty: string; unit_cost: string }[] = await db(
    'tax_lots',
  )
    .where({ account_id: accountId })
    .where('qty', '>', 0)
    .orderBy(['symbol', 'open_date', 'id']);
  const holdings = positions.map((p) => {
    const price = prices[p.symbol];
    if (!price)
      throw ApplicationFailure.nonRetryable(
        `no price for ${p.symbol} on or before ${tradeDate}`,
        'MissingPrice',
      );
    return {
      symbol: p.symbol,
      qty: p.qty,
      price,
      lots: lots
        .filter((l) => l.symbol === p.symbol)
        .map((l) => ({ lotId: l.id, openDate: l.open_date, qty: l.qty, unitCost: l.unit_cost })),
    };
  });

  const secRows: {
    symbol: string;
    fractionable: boolean;
    asset_class: string;
    tlh_alternates: string[];
    identical_group: string | null;
  }[] = await ref.get('engine-securities', () =>
    db('securities').select('symbol', 'fractionable', 'asset_class', 'tlh_alternates', 'identical_group'),
  );
  const modelConfig: Partial<EngineConfig> = {
    ...model.settings,
    substantiallyIdentical: identicalGroups(secRows),
  };
  const known = new Set(secRows.filter((s) => prices[s.symbol]).map((s) => s.symbol));
  const securities = Object.fromEntries(
    secRows
      .filter((s) => known.has(s.symbol))
      .map((s) => [
        s.symbol,
        {
          symbol: s.symbol,
          fractionable: s.fractionable,
          assetClass: s.asset_class,
          tlhAlternates: (model.alternates[s.symbol] ?? s.tlh_alternates).filter((x) => known.has(x)),
          esgExcluded: (a.overrides?.esgExcluded ?? []).includes(s.symbol),
        },
      ]),
  );

  const cash = await db('cash_balances').where({ account_id: accountId }).first();
  // Withdrawals to fund: requested (PENDING) and sent to the custodian but not yet paid (SENT): the
  // cash is still in the book, not the account's to invest.
  const withdrawals: { amount: string }[] = await db('cash_flows')
    .where({ account_id: accountId, type: 'WITHDRAWAL' })
    .whereIn('status', ['PENDING', 'SENT'])
    .where('effective_date', '<=', tradeDate)
    .select('amount');
  const restrictions = await engineRestrictions(db, a, tradeDate);
  // Shares bought and not yet delivered by the custodian (a SETTLEMENT break) may not be sold;
  // securities held by unresolved breaks are not traded at all.
  const { blocked, undelivered } = await breakHolds(db, tradeDate, accountId);
  for (const symbol of undelivered)
    restrictions.push({
      symbol,
      kind: 'NO_SELL',
      reason: `a purchase of ${symbol} has not settled at the custodian (settlement break)`,
    });

  // The household, for the wash-sale rule: 30 days back, every account (IRAs included).
  const members: string[] = (await db('accounts').where({ household_id: a.household_id }).select('id')).map(
    (r: { id: string }) => r.id,
  );
  const since = addCalendarDays(tradeDate, -30);
  const filled: {
    account_id: string;
    symbol: string;
    side: 'BUY' | 'SELL';
    trade_date: string;
    filled_qty: string;
    client_order_id: string;
  }[] = await db('orders')
    .whereIn('account_id', members)
    .where('trade_date', '>=', since)
    .where('trade_date', '<', tradeDate)
    .where('filled_qty', '>', 0)
    .select('account_id', 'symbol', 'side', 'trade_date', 'filled_qty', 'client_order_id');
  // The losses those sells realized (the wash-sale rule blocks buying back what was sold at a loss).
  const losses = new Map<string, string>(
    (
      (await db('realized_lots')
        .whereIn('account_id', members)
        .where('close_date', '>=', since)
        .where('gain', '<', 0)
        .groupBy('source_ref')
        .select('source_ref', db.raw('(-sum(gain))::text as loss'))) as { source_ref: string; loss: string }[]
    ).map((r) => [r.source_ref, r.loss]),
  );
  const recentLots: { account_id: string; symbol: string; open_date: string; qty: string }[] = await db(
    'tax_lots',
  )
    .whereIn('account_id', members)
    .where('open_date', '>=', since)
    .where('id', 'not like', 'L-%') // our own buys are in `orders` already
    .select('account_id', 'symbol', 'open_date', 'qty');
  const proposedBuys: { account_id: string; symbol: string }[] = await db('proposal_legs as l')
    .join('proposals as p', 'p.id', 'l.proposal_id')
    .whereIn(
      'p.account_id',
      members.filter((m) => m !== accountId),
    )
    .where({ 'p.trade_date': tradeDate, 'l.side': 'BUY' })
    .whereNotIn('p.status', ['REJECTED', 'EXPIRED'])
    .select('p.account_id', 'l.symbol');
  // Today's proposed sales at a loss in the other accounts (planned before this one: the household
  // is planned one account at a time, src/activities/proposals.ts): buying them back today washes.
  const proposedSells: { account_id: string; symbol: string; qty: string; lots: { estGain: string }[] }[] =
    await db('proposal_legs as l')
      .join('proposals as p', 'p.id', 'l.proposal_id')
      .whereIn(
        'p.account_id',
        members.filter((m) => m !== accountId),
      )
      .where({ 'p.trade_date': tradeDate, 'l.side': 'SELL' })
      .whereNotIn('p.status', ['REJECTED', 'EXPIRED'])
      .select('p.account_id', 'l.symbol', 'l.qty', 'l.lots');
  const proposedLossSales = proposedSells.flatMap((l) => {
    const loss = sum((l.lots ?? []).map((x) => dec(x.estGain)).filter((g) => g.lt(0))).neg();
    return loss.gt(0)
      ? [
          {
            accountId: l.account_id,
            symbol: l.symbol,
            side: 'SELL' as const,
            date: tradeDate,
            qty: l.qty,
            realizedLoss: cashStr(loss),
          },
        ]
      : [];
  });

  return {
    accountId,
    householdId: a.household_id,
    asOf: tradeDate,
    taxStatus: a.tax_status,
    lotMethod: a.lot_method,
    model: { id: model.id, version: model.version, targets: model.targets, config: modelConfig },
    // Another model than the account's (a preview): nothing of it was traded yet.
    lastTradedModelVersion: a.model_id === row.model_id ? (a.last_traded_model_version ?? null) : null,
    accountConfig,
    cash: cash?.amount ?? '0.00',
    pendingWithdrawal: cashStr(sum(withdrawals.map((w) => dec(w.amount).abs()))),
    holdings,
    securities,
    prices: Object.fromEntries(Object.entries(prices).filter(([s]) => known.has(s))),
    restrictions,
    blockedSymbols: blocked,
    household: {
      recentTrades: [
        ...filled.map((o) => ({
          accountId: o.account_id,
          symbol: o.symbol,
          side: o.side,
          date: o.trade_date,
          qty: o.filled_qty,
          ...(o.side === 'SELL' && losses.has(o.client_order_id)
            ? { realizedLoss: losses.get(o.client_order_id) }
            : {}),
        })),
        ...recentLots.map((l) => ({
          accountId: l.account_id,
          symbol: l.symbol,
          side: 'BUY' as const,
          date: l.open_date,
          qty: l.qty,
        })),
        ...proposedLossSales,
      ],
      proposedBuys: proposedBuys.map((b) => ({ accountId: b.account_id, symbol: b.symbol })),
    },
  };
}
