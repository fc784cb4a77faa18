/**
 * Drift before and after, by sleeve, for every account that traded: before is the day's scan (the
 * proposal's drift rows: actual − target, in percentage points of the account's value); after adds
 * what was filled (filled quantity × average price, bought +, sold −) to the sleeve's value, over
 * the same total value (a trade moves value between sleeves and cash, it does not create it). A
 * symbol belongs to the sleeve whose members hold it, else to the sleeve it is a tax-loss alternate of.
 */
import type { Knex } from 'knex';
import { type Dec, ZERO, dec } from '../domain/money';
import type { OrderLine } from './blotter';

export interface SleeveDrift {
  sleeve: string;
  targetPct: string;
  beforePp: string;
  afterPp: string;
}

export interface AccountDrift {
  accountId: string;
  proposalId: string;
  /** The largest absolute sleeve drift before and after (pp). */
  maxBeforePp: string;
  maxAfterPp: string;
  sleeves: SleeveDrift[];
}

interface PlanDrift {
  drift?: {
    totalValue: string;
    rows: { symbol: string; target: string; actual: string; members: string[] }[];
  };
}

/** A fraction as percentage points, 4 dp (banker's rounding, as everywhere in the book). */
export const pp = (d: Dec) => d.times(100).toDecimalPlaces(4).toFixed(4);

export async function driftBeforeAfter(
  db: Knex,
  tradeDate: string,
  orders: OrderLine[],
): Promise<AccountDrift[]> {
  const traded = new Map<string, OrderLine[]>();
  for (const o of orders)
    if (dec(o.filledQty).gt(0)) traded.set(o.proposalId, [...(traded.get(o.proposalId) ?? []), o]);
  if (traded.size === 0) return [];
  const proposals: { id: string; account_id: string; plan: PlanDrift }[] = await db('proposals')
    .where({ trade_date: tradeDate })
    .whereIn('id', [...traded.keys()])
    .orderBy('account_id')
    .select('id', 'account_id', 'plan');
  // A tax-loss harvest buys a sleeve's alternate, which the scan did not hold: it belongs to that sleeve.
  const alternates: { symbol: string; tlh_alternates: string[] }[] = await db('securities').select(
    'symbol',
    'tlh_alternates',
  );
  const out: AccountDrift[] = [];
  for (const p of proposals) {
    const d = p.plan?.drift;
    if (!d || dec(d.totalValue).lte(0)) continue;
    const tv = dec(d.totalValue);
    const sleeveOf = new Map<string, string>();
    for (const r of d.rows) {
      const alts = alternates.find((a) => a.symbol === r.symbol)?.tlh_alternates ?? [];
      for (const s of alts) if (!sleeveOf.has(s)) sleeveOf.set(s, r.symbol);
    }
    for (const r of d.rows) for (const s of [r.symbol, ...(r.members ?? [])]) sleeveOf.set(s, r.symbol);
    const moved = new Map<string, Dec>();
    for (const o of traded.get(p.id) ?? []) {
      const sleeve = sleeveOf.get(o.symbol);
      if (!sleeve || !o.avgPrice) continue;
      const v = dec(o.filledQty).times(dec(o.avgPrice)); // exact: rounded only in the figures shown
      moved.set(sleeve, (moved.get(sleeve) ?? ZERO).plus(o.side === 'BUY' ? v : v.neg()));
    }
    const sleeves = d.rows.map((r) => {
      const before = dec(r.actual).minus(dec(r.target));
      const after = dec(r.actual)
        .plus((moved.get(r.symbol) ?? ZERO).div(tv))
        .minus(dec(r.target));
      return { sleeve: r.symbol, targetPct: pp(dec(r.target)), beforePp: pp(before), afterPp: pp(after) };
    });
    const max = (k: 'beforePp' | 'afterPp') =>
      pp(sleeves.reduce((m, s) => maxDec(m, dec(s[k]).abs()), ZERO).div(100));
    out.push({
      accountId: p.account_id,
      proposalId: p.id,
      maxBeforePp: max('beforePp'),
      maxAfterPp: max('afterPp'),
      sleeves,
    });
  }
  return out;
}

function maxDec(a: Dec, b: Dec): Dec {
  return a.gte(b) ? a : b;
}
