/**
 * The soak's checks of what the trading did, across the run (on top of ./invariants.ts), in SQL
 * on NUMERIC and decimal strings:
 *
 *   realizedGainsMatchCustodian  per account, the gains the book realized on its sells
 *                                (realized_lots, source SELL) equal those of the lots the
 *                                custodian closed (its lot replay: each portion's proceeds and
 *                                cost to the cent, as the book rounds them), and so do the
 *                                quantities closed per account and symbol
 *   noWashSaleAcrossRun          no sale at a loss in a taxable account in the run (a loss in an
 *                                IRA or Roth has no tax effect to lose) has a substantially identical buy
 *                                (same symbol or identical group) within 30 calendar days before or
 *                                after it in any account of its household, IRAs included, against
 *                                every filled order of the run (the rule of
 *                                src/domain/engine/washsale.ts; the very lots sold are not
 *                                replacements)
 *   insideBandsAfterTrades       every account whose legs all filled in full today has every
 *                                sleeve inside its band after the fills (the proposal's own drift
 *                                rows and bands, the fills at their prices, over the value after),
 *                                except a sleeve the proposal itself said would stay outside
 *                                (RESIDUAL_BREACH, with its causes: a rule forbade the trade)
 *   setUpAccountsTrade           an account adopted from the custodian's files (onboarded) and set
 *                                up by ops trades on its first day set up (its model's first scan)
 *   depositsInvested             every deposit posted today (EXT869) is on a proposal of that
 *                                account today with a CASH_IN reason, which traded, or the advisor
 *                                rejected or let expire; or it funds the account's withdrawal (the
 *                                proposal raises cash for one: CASH_OUT); or, with no proposal, the
 *                                account's cash above its target stays within the investing
 *                                threshold (investExcessThreshold of its value: too small to invest);
 *                                one approved but not released before the window closed (a day
 *                                slower than its clock) is carried, and the next day must trade it
 */
import type { Knex } from 'knex';
import type { SimClosedLot } from '../../src/custodian/sim/lots';
import { addCalendarDays, previousTradingDay } from '../../src/domain/calendar';
import { DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine/config';
import { type LossSale, type ReplacementBuy, washSaleConflicts } from '../../src/domain/engine/washsale';
import { type Dec, ZERO, cashStr, dec, qtyStr } from '../../src/domain/money';
import { check, rows } from './check';

const WASH_WINDOW_DAYS = 30;

/** `closed`: every lot portion the custodian's sells closed up to the day (lotsAsOf's replay). */
export async function realizedGainsMatchCustodian(db: Knex, closed: SimClosedLot[]) {
  const accounts: { id: string; number: string }[] = await db('accounts').select(
    'id',
    'custodian_account_number as number',
  );
  const idOf = new Map(accounts.map((a) => [a.number, a.id]));
  const sim = new Map<string, { gain: Dec; portions: number }>();
  const simQty = new Map<string, Dec>();
  for (const c of closed) {
    const id = idOf.get(c.accountNumber);
    if (!id) continue;
    const gain = dec(cashStr(c.qty.times(c.price))).minus(dec(cashStr(c.qty.times(c.unitCost))));
    const cur = sim.get(id) ?? { gain: ZERO, portions: 0 };
    sim.set(id, { gain: cur.gain.plus(gain), portions: cur.portions + 1 });
    const k = `${id}|${c.symbol}`;
    simQty.set(k, (simQty.get(k) ?? ZERO).plus(c.qty));
  }
  const book = await rows<{ account_id: string; gain: string; portions: number }>(
    db,
    `SELECT account_id, sum(gain)::text AS gain, count(*)::int AS portions FROM realized_lots
      WHERE source = 'SELL' GROUP BY 1 ORDER BY 1`,
  );
  const bookQty = await rows<{ account_id: string; symbol: string; qty: string }>(
    db,
    `SELECT account_id, symbol, sum(qty)::text AS qty FROM realized_lots WHERE source = 'SELL' GROUP BY 1, 2`,
  );
  const bad: unknown[] = [];
  const seen = new Set<string>();
  let bookTotal = ZERO;
  let simTotal = ZERO;
  for (const b of book) {
    seen.add(b.account_id);
    const s = sim.get(b.account_id) ?? { gain: ZERO, portions: 0 };
    bookTotal = bookTotal.plus(dec(b.gain));
    if (!dec(b.gain).eq(s.gain))
      bad.push({
        kind: 'gain',
        account: b.account_id,
        book: cashStr(dec(b.gain)),
        custodian: cashStr(s.gain),
        bookPortions: b.portions,
        custodianPortions: s.portions,
      });
  }
  for (const [id, s] of sim) {
    simTotal = simTotal.plus(s.gain);
    if (!seen.has(id) && !s.gain.isZero())
      bad.push({
        kind: 'gain',
        account: id,
        book: '0.00',
        custodian: cashStr(s.gain),
        custodianPortions: s.portions,
      });
  }
  const qtySeen = new Set<string>();
  for (const q of bookQty) {
    const k = `${q.account_id}|${q.symbol}`;
    qtySeen.add(k);
    const s = simQty.get(k) ?? ZERO;
    if (!dec(q.qty).eq(s))
      bad.push({
        kind: 'quantity closed',
        account: q.account_id,
        symbol: q.symbol,
        book: q.qty,
        custodian: qtyStr(s),
      });
  }
  for (const [k, s] of simQty)
    if (!qtySeen.has(k) && !s.isZero()) {
      const [account, symbol] = k.split('|');
      bad.push({ kind: 'quantity closed', account, symbol, book: '0', custodian: qtyStr(s) });
    }
  return check('realizedGainsMatchCustodian', bad, {
    accountsWithSells: book.length,
    portions: closed.length,
    realizedBook: cashStr(bookTotal),
    realizedCustodian: cashStr(simTotal),
  });
}

export async function noWashSaleAcrossRun(db: Knex, tradeDate: string) {
  const sales = await rows<{
    client_order_id: string;
    account_id: string;
    household_id: string;
    symbol: string;
    trade_date: string;
    qty: string;
    loss: string;
    lots: { openDate: string; qty: string }[];
  }>(
    db,
    `SELECT r.source_ref AS client_order_id, r.account_id, a.household_id, r.symbol,
            r.close_date::text AS trade_date, sum(r.qty)::text AS qty, (-sum(r.gain))::text AS loss,
            json_agg(json_build_object('openDate', r.open_date::text, 'qty', r.qty::text)) AS lots
       FROM realized_lots r JOIN accounts a ON a.id = r.account_id
      WHERE r.source = 'SELL' AND r.gain < 0 AND r.close_date <= ? AND a.tax_status = 'TAXABLE'
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 5, 1`,
    [tradeDate],
  );
  const buys = await rows<{
    account_id: string;
    household_id: string;
    symbol: string;
    trade_date: string;
    qty: string;
  }>(
    db,
    `SELECT o.account_id, a.household_id, o.symbol, o.trade_date::text AS trade_date, o.filled_qty::text AS qty
       FROM orders o JOIN accounts a ON a.id = o.account_id
      WHERE o.side = 'BUY' AND o.filled_qty > 0 AND o.trade_date <= ?`,
    [tradeDate],
  );
  const identical = new Map<string, string>(
    (
      await rows<{ symbol: string; identical_group: string }>(
        db,
        'SELECT symbol, identical_group FROM securities WHERE identical_group IS NOT NULL',
      )
    ).map((r) => [r.symbol, r.identical_group]),
  );
  const byHousehold = new Map<string, ReplacementBuy[]>();
  for (const b of buys) {
    const list = byHousehold.get(b.household_id) ?? [];
    list.push({
      source: 'HOUSEHOLD_TRADE',
      accountId: b.account_id,
      symbol: b.symbol,
      date: b.trade_date,
      qty: dec(b.qty),
    });
    byHousehold.set(b.household_id, list);
  }
  const bad: unknown[] = [];
  let disallowed = ZERO;
  for (const s of sales) {
    const sale: LossSale = {
      accountId: s.account_id,
      symbol: s.symbol,
      date: s.trade_date,
      qty: dec(s.qty),
      loss: dec(s.loss),
      soldLots: s.lots.map((l) => ({ openDate: l.openDate, qty: dec(l.qty) })),
    };
    const lo = addCalendarDays(s.trade_date, -WASH_WINDOW_DAYS);
    const hi = addCalendarDays(s.trade_date, WASH_WINDOW_DAYS);
    const near = (byHousehold.get(s.household_id) ?? []).filter((b) => b.date >= lo && b.date <= hi);
    const r = washSaleConflicts(sale, near, WASH_WINDOW_DAYS, identical);
    if (r.conflicts.length > 0) {
      disallowed = disallowed.plus(r.disallowedLoss);
      bad.push({
        sale: {
          clientOrderId: s.client_order_id,
          account: s.account_id,
          symbol: s.symbol,
          date: s.trade_date,
          qty: s.qty,
          loss: s.loss,
        },
        replacements: r.conflicts,
      });
    }
  }
  return check('noWashSaleAcrossRun', bad, {
    lossSales: sales.length,
    buysInTheRun: buys.length,
    windowDays: WASH_WINDOW_DAYS,
    disallowedLoss: cashStr(disallowed),
  });
}

interface PlanReason {
  code: string;
  details?: { sleeve?: string; causes?: string[] };
}

interface PlanAfter {
  reasons?: PlanReason[];
  action?: string;
  drift?: {
    totalValue: string;
    rows: { symbol: string; target: string; actual: string; band: string; members?: string[] }[];
  };
  after?: { totalValue: string };
}

export async function insideBandsAfterTrades(db: Knex, tradeDate: string) {
  // Proposals whose every order (the last attempt of each leg) filled in full.
  const proposals = await rows<{ id: string; account_id: string; plan: PlanAfter }>(
    db,
    `SELECT p.id, p.account_id, p.plan FROM proposals p
      WHERE p.trade_date = ? AND EXISTS (SELECT 1 FROM orders o WHERE o.proposal_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM proposal_legs l WHERE l.proposal_id = p.id
                          AND coalesce((SELECT sum(o.filled_qty) FROM orders o
                                         WHERE o.proposal_id = p.id AND o.leg_no = l.leg_no), 0) < l.qty)
      ORDER BY p.account_id`,
    [tradeDate],
  );
  // Each fill with the sleeve its leg was for (the leg's reasons name it: a tax-loss alternate may
  // be an alternate of several sleeves).
  const fills = await rows<{
    proposal_id: string;
    symbol: string;
    side: string;
    filled_qty: string;
    avg_price: string;
    sleeve: string | null;
  }>(
    db,
    `SELECT o.proposal_id, o.symbol, o.side, o.filled_qty::text AS filled_qty, o.avg_price::text AS avg_price,
            (SELECT r->'details'->>'sleeve' FROM proposal_legs l, jsonb_array_elements(l.reasons) r
              WHERE l.proposal_id = o.proposal_id AND l.leg_no = o.leg_no AND r->'details'->>'sleeve' IS NOT NULL
              LIMIT 1) AS sleeve
       FROM orders o WHERE o.trade_date = ? AND o.filled_qty > 0 AND o.avg_price IS NOT NULL`,
    [tradeDate],
  );
  const alternates = new Map<string, string[]>(
    (
      await rows<{ symbol: string; tlh_alternates: string[] }>(
        db,
        'SELECT symbol, tlh_alternates FROM securities',
      )
    ).map((r) => [r.symbol, r.tlh_alternates ?? []]),
  );
  const bad: unknown[] = [];
  let sleeves = 0;
  const declared: Record<string, number> = {};
  for (const p of proposals) {
    const residual = new Map(
      (p.plan?.reasons ?? [])
        .filter((r) => r.code === 'RESIDUAL_BREACH' && r.details?.sleeve)
        .map((r) => [r.details!.sleeve!, r.details?.causes ?? []]),
    );
    const d = p.plan?.drift;
    const after = p.plan?.after?.totalValue;
    if (!d || !after || dec(after).lte(0)) continue;
    const sleeveOf = new Map<string, string>();
    for (const r of d.rows)
      for (const s of alternates.get(r.symbol) ?? []) if (!sleeveOf.has(s)) sleeveOf.set(s, r.symbol);
    for (const r of d.rows) for (const s of [r.symbol, ...(r.members ?? [])]) sleeveOf.set(s, r.symbol);
    const moved = new Map<string, Dec>();
    for (const f of fills.filter((x) => x.proposal_id === p.id)) {
      const sleeve = f.sleeve ?? sleeveOf.get(f.symbol);
      if (!sleeve) continue;
      const v = dec(f.filled_qty).times(dec(f.avg_price));
      moved.set(sleeve, (moved.get(sleeve) ?? ZERO).plus(f.side === 'BUY' ? v : v.neg()));
    }
    const tv = dec(d.totalValue);
    for (const r of d.rows) {
      sleeves++;
      const band = dec(r.band);
      if (band.lte(0)) continue;
      const weight = dec(r.actual)
        .times(tv)
        .plus(moved.get(r.symbol) ?? ZERO)
        .div(dec(after));
      const dev = weight.minus(dec(r.target));
      if (!dev.abs().gte(band)) continue;
      const causes = residual.get(r.symbol);
      if (causes) {
        for (const c of causes.length ? causes : ['(none given)']) declared[c] = (declared[c] ?? 0) + 1;
        continue;
      }
      bad.push({
        account: p.account_id,
        proposal: p.id,
        sleeve: r.symbol,
        targetPct: dec(r.target).times(100).toFixed(4),
        afterPct: weight.times(100).toFixed(4),
        bandPp: band.times(100).toFixed(4),
      });
    }
  }
  return check('insideBandsAfterTrades', bad, {
    accountsTradedInFull: proposals.length,
    sleeves,
    outsideAsTheProposalSaid: declared,
  });
}

export async function depositsInvested(db: Knex, tradeDate: string) {
  const deposits = await rows<{
    account_id: string;
    amount: string;
    proposal: string | null;
    status: string | null;
    cash_in: boolean | null;
    filled: boolean | null;
    reasons: { code: string }[] | null;
  }>(
    db,
    `SELECT f.account_id, f.amount::text AS amount, p.id AS proposal, p.status,
            EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) r WHERE r->>'code' = 'CASH_IN') AS cash_in,
            EXISTS (SELECT 1 FROM orders o WHERE o.proposal_id = p.id AND o.filled_qty > 0) AS filled,
            p.reasons
       FROM cash_flows f
       LEFT JOIN proposals p ON p.account_id = f.account_id AND p.trade_date = f.posted_date
      WHERE f.type = 'DEPOSIT' AND f.posted_date = ? AND f.source_ref LIKE 'EXT869/%'
      ORDER BY 1`,
    [tradeDate],
  );
  // An account whose proposal (if any) did not invest the deposit (no CASH_IN): its cash above
  // target after the day must be within the engine's investing threshold (CASH_IN fires above
  // it; the demo models keep the defaults).
  const idle = await rows<{ account_id: string; cash: string; value: string }>(
    db,
    `SELECT a.id AS account_id, c.amount::text AS cash,
            (c.amount + coalesce((SELECT sum(p.qty * (SELECT pr.close FROM prices pr WHERE pr.symbol = p.symbol
                                                         AND pr.date <= ? ORDER BY pr.date DESC LIMIT 1))
                                    FROM positions p WHERE p.account_id = a.id), 0))::text AS value
       FROM accounts a JOIN cash_balances c ON c.account_id = a.id WHERE a.id = ANY(?)`,
    [tradeDate, deposits.filter((d) => !d.proposal || !d.cash_in).map((d) => d.account_id)],
  );
  const belowThreshold = new Set(
    idle
      .filter((a) => {
        const value = dec(a.value);
        const excess = dec(a.cash).minus(value.times(DEFAULT_ENGINE_CONFIG.cashTarget));
        return excess.lte(value.times(DEFAULT_ENGINE_CONFIG.investExcessThreshold));
      })
      .map((a) => a.account_id),
  );
  const outcome: Record<string, number> = {};
  const bad: unknown[] = [];
  for (const d of deposits) {
    const fundsWithdrawal = (d.reasons ?? []).some(
      (r) =>
        r.code === 'CASH_OUT' &&
        dec((r as { details?: { withdrawal?: string } }).details?.withdrawal ?? '0').gt(0),
    );
    const why = !d.proposal
      ? belowThreshold.has(d.account_id)
        ? 'cash within the investing threshold'
        : 'no proposal'
      : !d.cash_in && fundsWithdrawal
        ? 'funds a withdrawal'
        : !d.cash_in && belowThreshold.has(d.account_id)
          ? 'traded for another reason; cash within the investing threshold'
          : !d.cash_in
            ? 'no CASH_IN reason'
            : d.filled
              ? 'traded'
              : d.status === 'REJECTED' || d.status === 'EXPIRED'
                ? d.status.toLowerCase()
                : null;
    // Approved but not released before the window closed (a day slower than its clock): the cash
    // stays, and the next day must invest it (checked below, on that day).
    const key = why ?? `carried: not traded today (${d.status})`;
    outcome[key] = (outcome[key] ?? 0) + 1;
    if (why === 'no proposal' || why === 'no CASH_IN reason') bad.push({ ...d, why: key });
  }
  // Yesterday's deposits that were carried: today the account trades (or its advisor decides).
  const carried = await rows<{ account_id: string; amount: string; today: string | null; traded: boolean }>(
    db,
    `SELECT f.account_id, f.amount::text AS amount, t.status AS today,
            EXISTS (SELECT 1 FROM orders o WHERE o.proposal_id = t.id AND o.filled_qty > 0) AS traded
       FROM cash_flows f
       JOIN proposals y ON y.account_id = f.account_id AND y.trade_date = f.posted_date
       LEFT JOIN proposals t ON t.account_id = f.account_id AND t.trade_date = ?
      WHERE f.type = 'DEPOSIT' AND f.posted_date = ? AND f.source_ref LIKE 'EXT869/%'
        AND y.status NOT IN ('REJECTED', 'EXPIRED')
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(y.reasons) r WHERE r->>'code' = 'CASH_IN')
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.proposal_id = y.id AND o.filled_qty > 0)`,
    [tradeDate, previousTradingDay(tradeDate)],
  );
  for (const c of carried) {
    const ok = c.traded || c.today === 'REJECTED' || c.today === 'EXPIRED';
    const key = ok
      ? `yesterday's, ${c.traded ? 'traded today' : (c.today ?? '').toLowerCase()}`
      : "yesterday's, still not traded";
    outcome[key] = (outcome[key] ?? 0) + 1;
    if (!ok) bad.push({ ...c, why: key });
  }
  return check('depositsInvested', bad, {
    deposits: deposits.length,
    carriedFromYesterday: carried.length,
    outcome,
  });
}

export async function setUpAccountsTrade(db: Knex, tradeDate: string) {
  // Its first scan (a PENDING_SETUP account is not scanned) is on its first day set up.
  const firstDay = await rows<{ id: string; status: string | null; traded: boolean; model_change: boolean }>(
    db,
    `SELECT a.id, p.status,
            EXISTS (SELECT 1 FROM orders o WHERE o.proposal_id = p.id AND o.filled_qty > 0) AS traded,
            coalesce(EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) r WHERE r->>'code' = 'MODEL_CHANGE'), false)
              AS model_change
       FROM accounts a
       LEFT JOIN proposals p ON p.account_id = a.id AND p.trade_date = ?
      WHERE a.onboarded_on IS NOT NULL
        AND (SELECT min(s.trade_date) FROM account_scans s WHERE s.account_id = a.id) = ?
      ORDER BY 1`,
    [tradeDate, tradeDate],
  );
  const pending = await rows<{ n: number }>(
    db,
    "SELECT count(*)::int AS n FROM accounts WHERE status = 'PENDING_SETUP'",
  );
  const bad = firstDay.filter((a) => !a.traded || !a.model_change);
  return check('setUpAccountsTrade', bad, {
    firstDaySetUp: firstDay.length,
    pendingSetup: pending[0]?.n ?? 0,
  });
}
