/**
 * The demo firm as the book's CSV files (src/book/csv/formats.ts), generated from a seed:
 * 3 advisors, households, accounts (odd-numbered auto, even-numbered manual; taxable, IRA and
 * Roth), the three models and the ETFs of docs/domain.md §10, lots bought at different dates
 * (some at a loss), a $25,000 deposit in ACC003 and a pending $15,000 withdrawal in ACC008.
 *
 * The 20-account firm's configuration (everything but positions, cash and cash flows, which
 * depend on the day the demo starts) is kept as files under src/demo/book/ (the samples of
 * docs/configuration-book.md); a test checks this generator writes them unchanged.
 */
import Decimal from 'decimal.js';
import { KINDS, type Kind, OPENING_KINDS, cellsOf, fileNameOf } from '../book/csv/formats';
import { writeTable } from '../book/csv/table';
import { Dec, cashStr, qtyStr } from '../domain/money';

export const ADVISORS = [
  { id: 'ADV-ANA', name: 'Ana Reyes', email: 'ana.reyes@example.com' },
  { id: 'ADV-BEN', name: 'Ben Okafor', email: 'ben.okafor@example.com' },
  { id: 'ADV-CHLOE', name: 'Chloe Martin', email: 'chloe.martin@example.com' },
];

// Demo CUSIPs: nine characters in the right shape, not a claim about the real issues.
export const SECURITIES = [
  {
    symbol: 'VTI',
    cusip: '922908769',
    description: 'Total US Stock Market ETF',
    assetClass: 'US_EQUITY',
    alternates: ['ITOT', 'SCHB'],
    start: '260.00',
    drift: 0.07,
    vol: 0.16,
  },
  {
    symbol: 'ITOT',
    cusip: '464287150',
    description: 'Core S&P Total US Stock ETF',
    assetClass: 'US_EQUITY',
    alternates: ['VTI', 'SCHB'],
    start: '120.00',
    drift: 0.07,
    vol: 0.16,
  },
  {
    symbol: 'SCHB',
    cusip: '808524607',
    description: 'US Broad Market ETF',
    assetClass: 'US_EQUITY',
    alternates: ['VTI', 'ITOT'],
    start: '22.00',
    drift: 0.07,
    vol: 0.16,
  },
  {
    symbol: 'VXUS',
    cusip: '921909768',
    description: 'Total International Stock ETF',
    assetClass: 'INTL_EQUITY',
    alternates: ['IXUS'],
    start: '60.00',
    drift: 0.06,
    vol: 0.18,
  },
  {
    symbol: 'IXUS',
    cusip: '46432F396',
    description: 'Core MSCI Total International ETF',
    assetClass: 'INTL_EQUITY',
    alternates: ['VXUS'],
    start: '68.00',
    drift: 0.06,
    vol: 0.18,
  },
  {
    symbol: 'BND',
    cusip: '921937835',
    description: 'Total Bond Market ETF',
    assetClass: 'US_BONDS',
    alternates: ['AGG', 'SCHZ'],
    start: '72.00',
    drift: 0.03,
    vol: 0.05,
    identicalGroup: 'US_AGG_BOND',
  },
  {
    symbol: 'AGG',
    cusip: '464287226',
    description: 'Core US Aggregate Bond ETF',
    assetClass: 'US_BONDS',
    alternates: ['BND', 'SCHZ'],
    start: '98.00',
    drift: 0.03,
    vol: 0.05,
    identicalGroup: 'US_AGG_BOND',
  },
  {
    symbol: 'SCHZ',
    cusip: '808524839',
    description: 'US Aggregate Bond ETF',
    assetClass: 'US_BONDS',
    alternates: ['BND', 'AGG'],
    start: '23.00',
    drift: 0.03,
    vol: 0.05,
  },
  {
    symbol: 'SGOV',
    cusip: '46436E718',
    description: '0-3 Month Treasury Bond ETF',
    assetClass: 'CASH_PROXY',
    alternates: ['BIL'],
    start: '100.30',
    drift: 0.04,
    vol: 0.005,
  },
  {
    symbol: 'BIL',
    cusip: '78468R663',
    description: '1-3 Month T-Bill ETF',
    assetClass: 'CASH_PROXY',
    alternates: ['SGOV'],
    start: '91.50',
    drift: 0.04,
    vol: 0.005,
  },
  {
    symbol: 'VNQ',
    cusip: '922908553',
    description: 'Real Estate ETF',
    assetClass: 'REIT',
    alternates: [],
    start: '90.00',
    drift: 0.05,
    vol: 0.2,
  },
] as const;

export const MODELS = [
  { id: 'M6040', name: '3-fund 60/40', targets: { VTI: '0.35', VXUS: '0.23', BND: '0.40' } },
  { id: 'M8020', name: '3-fund growth 80/20', targets: { VTI: '0.63', VXUS: '0.15', BND: '0.20' } },
  {
    id: 'M3070',
    name: 'Conservative 30/70',
    targets: { VTI: '0.18', VXUS: '0.12', BND: '0.53', SGOV: '0.15' },
  },
] as const;

/** The firm's configuration files: the same for any trade date. */
export const CONFIG_KINDS: readonly Kind[] = KINDS.filter((k) => !OPENING_KINDS.includes(k));

/** Small deterministic PRNG (mulberry32); used for synthetic data only, never for money math. */
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

export const accountIdOf = (i: number) => `ACC${String(i + 1).padStart(3, '0')}`;
export const accountNumberOf = (i: number) => `3ZO${String(i + 1).padStart(5, '0')}`;

function configRows(count: number): Record<Kind, Record<string, string>[]> {
  const households = Array.from({ length: Math.max(1, Math.ceil(count * 0.6)) }, (_, i) => ({
    id: `HH${String(i + 1).padStart(3, '0')}`,
    name: `Household ${i + 1}`,
  }));
  return {
    advisors: ADVISORS.map((a) => cellsOf('advisors', a)),
    securities: SECURITIES.map((s) =>
      cellsOf('securities', {
        ...s,
        type: 'ETF',
        fractionable: s.symbol !== 'VNQ',
        tlhAlternates: s.alternates,
        identicalGroup: 'identicalGroup' in s ? s.identicalGroup : undefined,
      }),
    ),
    households: households.map((h) => cellsOf('households', h)),
    models: MODELS.map((m) => cellsOf('models', { ...m, settings: { bandRule: 'ABS', absBand: '0.05' } })),
    'model-targets': MODELS.flatMap((m) =>
      Object.entries(m.targets).map(([symbol, weight]) =>
        cellsOf('model-targets', { modelId: m.id, symbol, weight }),
      ),
    ),
    accounts: Array.from({ length: count }, (_, i) => {
      const advisor = ADVISORS[i % ADVISORS.length]!;
      return cellsOf('accounts', {
        id: accountIdOf(i),
        custodianAccountNumber: accountNumberOf(i),
        name: `${advisor.name.split(' ')[1]} client ${i + 1}`,
        advisorId: advisor.id,
        householdId: households[i % households.length]!.id,
        registration: i % 5 === 3 ? 'IRA' : i % 5 === 4 ? 'ROTH' : 'TAXABLE',
        modelId: MODELS[i % MODELS.length]!.id,
        mode: i % 2 === 0 ? 'AUTO' : 'MANUAL',
        lotMethod: 'MIN_TAX',
        status: 'ACTIVE',
        lastTradedModelVersion: 1,
      });
    }),
    restrictions: [],
    positions: [],
    cash: [],
    'cash-flows': [],
  };
}

/**
 * Positions (lots), cash and cash flows of the accounts for a first trade date `asOf`: value
 * $50k–500k at the last close before it, one in three accounts drifted well outside the 5 pp
 * band, 2–4 lots each bought at different dates (taxable ones partly near a local top, so at a
 * loss).
 */
function openingRows(
  count: number,
  seed: number,
  asOf: string,
  priceAt: (symbol: string, date: string) => string,
  datesBefore: readonly string[],
): Pick<Record<Kind, Record<string, string>[]>, 'positions' | 'cash' | 'cash-flows'> {
  const rand = prng(seed);
  const lastDate = datesBefore[datesBefore.length - 1]!;
  const positions: Record<string, string>[] = [];
  const cash: Record<string, string>[] = [];
  const flows: Record<string, string>[] = [];
  for (let i = 0; i < count; i++) {
    const id = accountIdOf(i);
    const model = MODELS[i % MODELS.length]!;
    const taxable = i % 5 !== 3 && i % 5 !== 4;
    const total = new Dec(50_000 + Math.floor(rand() * 450_000));
    const drifted = i % 3 === 0 || i === 1;
    const weights = Object.entries(model.targets).map(([symbol, w], k) => {
      let weight = new Dec(w);
      if (drifted) weight = weight.plus(new Dec(k === 0 ? '0.09' : k === 1 ? '-0.05' : '-0.04'));
      else weight = weight.plus(new Dec(((rand() - 0.5) * 0.02).toFixed(4)));
      return { symbol, weight: Decimal.max(weight, 0) as Dec };
    });
    for (const { symbol, weight } of weights) {
      const qty = new Dec(qtyStr(total.times(weight).div(priceAt(symbol, lastDate))));
      if (qty.isZero()) continue;
      const nLots = 2 + Math.floor(rand() * 3);
      let left = qty;
      for (let l = 0; l < nLots; l++) {
        const lotQty = l === nLots - 1 ? left : new Dec(qtyStr(qty.div(nLots)));
        left = left.minus(lotQty);
        const d = datesBefore[Math.floor(rand() * Math.max(1, datesBefore.length - 5))]!;
        const premium = l === 0 && taxable ? new Dec('1.12') : new Dec(1);
        positions.push(
          cellsOf('positions', {
            accountId: id,
            symbol,
            lotId: `LOT-${id}-${symbol}-${l + 1}`,
            openDate: d,
            qty: qtyStr(lotQty),
            unitCost: new Dec(priceAt(symbol, d)).times(premium).toFixed(6),
          }),
        );
      }
    }
    let balance = total.times('0.02').toDecimalPlaces(2);
    if (id === 'ACC003') {
      balance = balance.plus(25_000);
      flows.push(
        cellsOf('cash-flows', {
          id: 'CF-ACC003-DEP',
          accountId: id,
          type: 'DEPOSIT',
          amount: '25000.00',
          effectiveDate: lastDate,
          status: 'POSTED',
          custodianRef: 'ACH-0001',
        }),
      );
    }
    if (id === 'ACC008') {
      flows.push(
        cellsOf('cash-flows', {
          id: 'CF-ACC008-WD',
          accountId: id,
          type: 'WITHDRAWAL',
          amount: '-15000.00',
          effectiveDate: asOf,
          status: 'PENDING',
          custodianRef: 'ACH-0002',
        }),
      );
    }
    cash.push(cellsOf('cash', { accountId: id, amount: cashStr(balance) }));
  }
  return { positions, cash, 'cash-flows': flows };
}

/** Every file of the demo book (name → CSV text) for `count` accounts and the first trade date `asOf`. */
export function demoBookFiles(opts: {
  count: number;
  seed: number;
  asOf: string;
  priceAt: (symbol: string, date: string) => string;
  datesBefore: readonly string[];
}): Record<string, string> {
  const rows = {
    ...configRows(opts.count),
    ...openingRows(opts.count, opts.seed, opts.asOf, opts.priceAt, opts.datesBefore),
  };
  return Object.fromEntries(
    (Object.entries(rows) as [Kind, Record<string, string>[]][]).map(([k, r]) => [
      fileNameOf(k),
      writeTable(k, r),
    ]),
  );
}
