/**
 * fast-check generators of account snapshots for the engine's property tests, and helpers that
 * replay a plan independently of the engine.
 */
import fc from 'fast-check';
import {
  type AccountSnapshot,
  type EnginePlan,
  type HouseholdTrade,
  addDays,
} from '../../../src/domain/engine';
import { Dec, dec } from '../../../src/domain/money';
import { sec } from './fixtures';

export const ASOF = '2026-03-16';
const CLASSES: Record<string, string[]> = {
  US: ['VTI', 'ITOT', 'SCHB'],
  INTL: ['VXUS', 'IXUS'],
  AGG: ['BND', 'SCHZ'],
  REIT: ['VNQ', 'SCHH'],
};
const PRIMARIES = ['VTI', 'VXUS', 'BND', 'VNQ'];
const ALL = [...Object.values(CLASSES).flat(), 'XYZ'];

const cents = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
const qty5 = (n: number) => `${Math.floor(n / 100000)}.${String(n % 100000).padStart(5, '0')}`;

export interface GenOptions {
  clean: boolean;
}

export function accountArb(opts: GenOptions): fc.Arbitrary<AccountSnapshot> {
  const { clean } = opts;
  const priceArb = fc.integer({ min: 500, max: 50_000 });
  return fc
    .record({
      prices: fc.array(priceArb, { minLength: ALL.length, maxLength: ALL.length }),
      fractionable: fc.array(clean ? fc.constant(true) : fc.boolean(), {
        minLength: ALL.length,
        maxLength: ALL.length,
      }),
      targets: fc.subarray(PRIMARIES, { minLength: clean ? 2 : 1 }),
      weights: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 4, maxLength: 4 }),
      holdings: fc.uniqueArray(
        fc.record({
          symbol: fc.constantFrom(...ALL),
          units: fc.integer({ min: 1, max: clean ? 5_000_000_00 : 300_000_000 }),
          lots: fc.array(
            fc.record({
              age: fc.integer({ min: 1, max: 900 }),
              cost: priceArb,
              share: fc.integer({ min: 1, max: 4 }),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { selector: (h) => h.symbol, maxLength: 5 },
      ),
      cash: fc.integer({ min: 0, max: clean ? 100_000_000 : 5_000_000 }),
      withdrawal: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: clean ? 2_000_000 : 5_000_000 })),
      taxStatus: fc.constantFrom('TAXABLE', 'TAXABLE', 'IRA', 'ROTH'),
      lotMethod: fc.constantFrom('FIFO', 'LIFO', 'HIFO', 'MIN_TAX', 'SPEC_ID'),
      lastTraded: fc.constantFrom<number | null>(1, 1, 1, 0, null),
      restrictions: clean
        ? fc.constant([])
        : fc.uniqueArray(
            fc.record({
              symbol: fc.constantFrom(...ALL),
              kind: fc.constantFrom('NO_BUY', 'NO_SELL', 'NO_TRADE'),
            }),
            { selector: (r) => r.symbol, maxLength: 2 },
          ),
      blocked: clean ? fc.constant([]) : fc.subarray(ALL, { maxLength: 1 }),
      esg: clean ? fc.constant(null) : fc.option(fc.constantFrom(...PRIMARIES), { freq: 5 }),
      trades: clean
        ? fc.constant([])
        : fc.array(
            fc.record({
              account: fc.constantFrom('A1', 'IRA9', 'TAX9'),
              symbol: fc.constantFrom(...ALL),
              side: fc.constantFrom('BUY', 'SELL'),
              age: fc.integer({ min: 0, max: 35 }),
              qty: fc.integer({ min: 1, max: 100 }),
              loss: fc.option(fc.integer({ min: 1, max: 100_000 })),
            }),
            { maxLength: 3 },
          ),
      proposed: clean ? fc.constant([]) : fc.subarray(ALL, { maxLength: 2 }),
    })
    .map((g) => {
      const prices: Record<string, string> = {};
      const securities: AccountSnapshot['securities'] = {};
      ALL.forEach((s, i) => {
        prices[s] = cents(g.prices[i]!);
        const cls = Object.entries(CLASSES).find(([, syms]) => syms.includes(s));
        securities[s] = sec(
          s,
          cls ? cls[0] : 'OTHER',
          cls ? cls[1].filter((x) => x !== s) : [],
          g.fractionable[i]!,
        );
      });
      const holdings = g.holdings.map((h) => {
        const fr = securities[h.symbol]!.fractionable;
        const units = fr ? h.units : Math.max(1, Math.floor(h.units / 100000)) * 100000;
        const shares = h.lots.reduce((a, l) => a + l.share, 0);
        let left = units;
        const lots = h.lots.map((l, i) => {
          const q =
            i === h.lots.length - 1
              ? left
              : fr
                ? Math.floor((units * l.share) / shares)
                : Math.floor((units * l.share) / shares / 100000) * 100000;
          left -= q;
          return {
            lotId: `${h.symbol}-${i}`,
            openDate: addDays(ASOF, -l.age),
            qty: qty5(q),
            unitCost: cents(l.cost),
          };
        });
        return {
          symbol: h.symbol,
          qty: qty5(units),
          price: prices[h.symbol]!,
          lots: lots.filter((l) => l.qty !== '0.00000'),
        };
      });
      const recentTrades: HouseholdTrade[] = g.trades.map((t) => ({
        accountId: t.account,
        symbol: t.symbol,
        side: t.side as 'BUY' | 'SELL',
        date: addDays(ASOF, -t.age),
        qty: String(t.qty),
        ...(t.side === 'SELL' && t.loss !== null ? { realizedLoss: cents(t.loss) } : {}),
      }));
      const snap: AccountSnapshot = {
        accountId: 'A1',
        householdId: 'H1',
        asOf: ASOF,
        taxStatus: g.taxStatus as AccountSnapshot['taxStatus'],
        lotMethod: g.lotMethod as AccountSnapshot['lotMethod'],
        model: {
          id: 'M',
          version: 1,
          targets: g.targets.map((t) => ({ symbol: t, weight: String(g.weights[PRIMARIES.indexOf(t)]!) })),
        },
        lastTradedModelVersion: g.lastTraded,
        cash: cents(g.cash),
        pendingWithdrawal: cents(g.withdrawal),
        holdings,
        securities,
        prices,
        restrictions: g.restrictions.map((r) => ({ ...r, kind: r.kind as 'NO_BUY', reason: 'test' })),
        blockedSymbols: g.blocked,
        ...(g.esg
          ? {
              esgScreen: {
                excluded: [g.esg],
                substitutes: { [g.esg]: CLASSES[securities[g.esg]!.assetClass]![1]! },
              },
            }
          : {}),
        household: { recentTrades, proposedBuys: g.proposed.map((s) => ({ accountId: 'IRA9', symbol: s })) },
      };
      return snap;
    });
}

/** Independent post-trade state: quantities and cash from the legs. */
export function applyLegs(s: AccountSnapshot, p: EnginePlan): { qty: Map<string, Dec>; cash: Dec } {
  const qty = new Map(s.holdings.map((h) => [h.symbol, dec(h.qty)]));
  let cash = dec(s.cash);
  for (const l of p.legs) {
    const q = qty.get(l.symbol) ?? new Dec(0);
    if (l.side === 'SELL') {
      qty.set(l.symbol, q.minus(l.qty));
      cash = cash.plus(l.estNotional);
    } else {
      qty.set(l.symbol, q.plus(l.qty));
      cash = cash.minus(l.estNotional);
    }
  }
  return { qty, cash };
}

/** The snapshot of the next morning if every leg filled at its estimated price. */
export function afterSnapshot(s: AccountSnapshot, p: EnginePlan): AccountSnapshot {
  const { qty, cash } = applyLegs(s, p);
  const holdings = [...qty.entries()]
    .filter(([, q]) => q.gt(0))
    .map(([symbol, q]) => {
      const old = s.holdings.find((h) => h.symbol === symbol);
      const sold = new Map<string, Dec>();
      for (const l of p.legs) if (l.symbol === symbol) for (const x of l.lots) sold.set(x.lotId, dec(x.qty));
      const lots = (old?.lots ?? [])
        .map((l) => ({
          ...l,
          qty: dec(l.qty)
            .minus(sold.get(l.lotId) ?? 0)
            .toFixed(),
        }))
        .filter((l) => dec(l.qty).gt(0));
      const bought = p.legs.find((l) => l.symbol === symbol && l.side === 'BUY');
      if (bought)
        lots.push({ lotId: `${symbol}-new`, openDate: s.asOf, qty: bought.qty, unitCost: bought.estPrice });
      return { symbol, qty: q.toFixed(), price: s.prices[symbol]!, lots };
    });
  return { ...s, holdings, cash: cash.toFixed(), lastTradedModelVersion: s.model.version };
}

export function shuffle<T>(arr: readonly T[], seed: number): T[] {
  const out = [...arr];
  let x = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
