/**
 * Seeded generator of realistic account snapshots for the engine benchmark (no Math.random).
 */
import { addDays } from '../../src/domain/engine/dates';
import type { AccountSnapshot, HouseholdTrade, SecurityInfo } from '../../src/domain/engine/types';

/** mulberry32: a tiny deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded uniform [0, 1) from a string (bench/chaos, bench/soak): mulberry32 seeded by a hash of it. */
export function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return prng(h);
}

export interface Universe {
  classes: { primary: string; alternates: string[] }[];
  securities: Record<string, SecurityInfo>;
  prices: Record<string, string>;
}

/** Money/qty strings from integer cents / hundred-thousandths, so no float ever leaks into a decimal. */
function cents(n: number): string {
  const c = Math.round(n);
  const neg = c < 0;
  const a = Math.abs(c);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

export function makeUniverse(rand: () => number, classes = 25): Universe {
  const out: Universe = { classes: [], securities: {}, prices: {} };
  for (let c = 0; c < classes; c++) {
    const primary = `P${String(c).padStart(2, '0')}`;
    const alternates = [`A${String(c).padStart(2, '0')}`, `B${String(c).padStart(2, '0')}`];
    out.classes.push({ primary, alternates });
    const syms = [primary, ...alternates];
    for (const s of syms) {
      out.securities[s] = {
        symbol: s,
        fractionable: rand() > 0.1,
        assetClass: `CLASS${c}`,
        tlhAlternates: syms.filter((x) => x !== s),
      };
      out.prices[s] = cents(1000 + rand() * 49000);
    }
  }
  return out;
}

export function makeHousehold(
  rand: () => number,
  u: Universe,
  hhNo: number,
  asOf: string,
  accounts: number,
  holdingsPerAccount = 25,
  lotsPerHolding = 4,
): AccountSnapshot[] {
  const householdId = `H${hhNo}`;
  const ids = Array.from({ length: accounts }, (_, i) => `${householdId}-A${i}`);
  const recentTrades: HouseholdTrade[] = [];
  for (let i = 0; i < 3; i++) {
    const cls = u.classes[Math.floor(rand() * u.classes.length)]!;
    const sym = rand() < 0.5 ? cls.primary : cls.alternates[0]!;
    const sell = rand() < 0.5;
    recentTrades.push({
      accountId: ids[Math.floor(rand() * ids.length)]!,
      symbol: sym,
      side: sell ? 'SELL' : 'BUY',
      date: addDays(asOf, -Math.floor(rand() * 30)),
      qty: String(1 + Math.floor(rand() * 50)),
      ...(sell && rand() < 0.5 ? { realizedLoss: cents(rand() * 100000) } : {}),
    });
  }
  const nClasses = Math.min(holdingsPerAccount, u.classes.length);
  return ids.map((accountId, ai) => {
    const weights = Array.from({ length: nClasses }, () => 1 + Math.floor(rand() * 9));
    const wsum = weights.reduce((a, b) => a + b, 0);
    // Weights as exact decimal strings (integers / wsum with 6 dp, remainder on the first target).
    const micro = weights.map((x) => Math.floor((x * 1_000_000) / wsum));
    micro[0]! += 1_000_000 - micro.reduce((a, b) => a + b, 0);
    const targets = u.classes.slice(0, nClasses).map((c, i) => ({
      symbol: c.primary,
      weight: `0.${String(micro[i]!).padStart(6, '0')}`,
    }));
    const accountValueCents = 1_000_000 + rand() * 200_000_000; // $10k – $2M
    const holdings = u.classes.slice(0, holdingsPerAccount).map((c, i) => {
      const sym = rand() < 0.85 ? c.primary : c.alternates[0]!;
      const price = Number(u.prices[sym]);
      const drift = 0.6 + rand() * 0.8;
      const valueCents = (accountValueCents * (weights[i % nClasses]! / wsum) * drift) / 1.0;
      const fr = u.securities[sym]!.fractionable;
      const totalQty = Math.max(1, fr ? valueCents / price : Math.round(valueCents / price));
      const lots = Array.from({ length: lotsPerHolding }, (_, l) => {
        const q = fr
          ? Math.floor((totalQty / lotsPerHolding) * 100000)
          : Math.max(1, Math.round(totalQty / lotsPerHolding));
        const qty = fr ? `${Math.floor(q / 100000)}.${String(q % 100000).padStart(5, '0')}` : String(q);
        return {
          lotId: `${accountId}-${sym}-${l}`,
          openDate: addDays(asOf, -(1 + Math.floor(rand() * 1100))),
          qty,
          unitCost: cents(price * (0.7 + rand() * 0.6)),
        };
      });
      const qtyNum = lots.reduce((a, l) => a + Math.round(Number(l.qty) * 100000), 0);
      return {
        symbol: sym,
        qty: `${Math.floor(qtyNum / 100000)}.${String(qtyNum % 100000).padStart(5, '0')}`,
        price: u.prices[sym]!,
        lots,
      };
    });
    const r = rand();
    const taxStatus = ai === 0 ? 'TAXABLE' : r < 0.5 ? 'TAXABLE' : r < 0.8 ? 'IRA' : 'ROTH';
    const restricted =
      rand() < 0.05 ? [{ symbol: holdings[0]!.symbol, kind: 'NO_BUY' as const, reason: 'client' }] : [];
    return {
      accountId,
      householdId,
      asOf,
      taxStatus,
      lotMethod: (['FIFO', 'HIFO', 'MIN_TAX', 'SPEC_ID', 'LIFO'] as const)[Math.floor(rand() * 5)]!,
      model: { id: 'M', version: 3, targets },
      lastTradedModelVersion: rand() < 0.05 ? 2 : 3,
      cash: cents(accountValueCents * rand() * 0.06),
      pendingWithdrawal: rand() < 0.1 ? cents(accountValueCents * rand() * 0.08) : '0',
      holdings,
      securities: u.securities,
      prices: u.prices,
      restrictions: restricted,
      blockedSymbols: rand() < 0.02 ? [holdings[1]!.symbol] : [],
      household: { recentTrades, proposedBuys: [] },
    } satisfies AccountSnapshot;
  });
}

/** `--accounts N` (or a bare N); default 10,000. */
export function accountsArg(argv: string[]): number {
  const i = argv.indexOf('--accounts');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => /^\d+$/.test(a));
  const n = raw === undefined ? 10_000 : Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`--accounts must be a positive whole number, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * The benchmark's stream of generated households (seeded; the same for bench and fingerprint):
 * each call returns households of 1–4 accounts holding `limit` accounts in all.
 */
export function householdStream(
  seed = 20260316,
  asOf = '2026-03-16',
): (limit: number) => AccountSnapshot[][] {
  const rand = prng(seed);
  const u = makeUniverse(rand);
  let hhNo = 0;
  return (limit) => {
    const out: AccountSnapshot[][] = [];
    let n = 0;
    while (n < limit) {
      const size = Math.min(1 + Math.floor(rand() * 4), limit - n);
      out.push(makeHousehold(rand, u, hhNo++, asOf, size));
      n += size;
    }
    return out;
  };
}
