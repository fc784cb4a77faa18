/**
 * Seeded demo data: 3 advisors, 12 households, 20 accounts (auto and manual, taxable, IRA
 * and Roth), the three models of docs/domain.md §10, synthetic daily closes for its ETFs
 * (seeded geometric Brownian motion over the NYSE calendar, 2025–2027), positions with tax
 * lots (some at a loss), a deposit, a pending withdrawal, and the same state at the
 * simulated custodian (positions and tax lots, same lot ids) except one deliberate position
 * break (ACC011, BND).
 */
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import { DEFAULT_AVERAGE_PRICE_ACCOUNT } from '../custodian/port';
import { CALENDAR_YEARS, tradingDaysBetween } from '../domain/calendar';
import { Dec, cashStr, qtyStr } from '../domain/money';

export interface SeedOptions {
  /** The first trade date the data is for: lots open before it. */
  asOf: string;
  seed?: number;
  accounts?: number;
  /** Delete existing demo data first. */
  reset?: boolean;
  /** The custodian's average-price account for block orders (default ZOEAVG01). */
  averagePriceAccount?: string;
}

export interface SeedSummary {
  seeded: boolean;
  advisors: number;
  accounts: number;
  prices: number;
  breakAccount: string;
}

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
    alternates: ['SCHH'],
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

const ADVISORS = [
  { id: 'ADV-ANA', name: 'Ana Reyes', email: 'ana.reyes@example.com' },
  { id: 'ADV-BEN', name: 'Ben Okafor', email: 'ben.okafor@example.com' },
  { id: 'ADV-CHLOE', name: 'Chloe Martin', email: 'chloe.martin@example.com' },
];

export const BREAK_ACCOUNT = 'ACC011';

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Synthetic daily closes: price_t = price_{t-1} · exp((μ − σ²/2)/252 + σ/√252 · z). */
export function syntheticPrices(seed: number): { symbol: string; date: string; close: string }[] {
  const rand = prng(seed);
  const first = Math.min(...CALENDAR_YEARS);
  const last = Math.max(...CALENDAR_YEARS);
  const days = tradingDaysBetween(`${first}-01-02`, `${last}-12-30`);
  const out: { symbol: string; date: string; close: string }[] = [];
  for (const s of SECURITIES) {
    let price = new Dec(s.start);
    for (const date of days) {
      const z = gaussian(rand);
      const r = (s.drift - (s.vol * s.vol) / 2) / 252 + (s.vol / Math.sqrt(252)) * z;
      price = price.times(new Dec(r.toFixed(12)).exp()).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
      out.push({ symbol: s.symbol, date, close: price.toFixed(2) });
    }
  }
  return out;
}

export async function seedDemoData(db: Knex, opts: SeedOptions): Promise<SeedSummary> {
  const seed = opts.seed ?? 20261124;
  const count = opts.accounts ?? 20;
  if (opts.reset) await resetDemoData(db);
  const existing = await db('accounts').count<{ n: string }[]>('* as n');
  if (Number(existing[0]?.n ?? 0) > 0) {
    return {
      seeded: false,
      advisors: ADVISORS.length,
      accounts: Number(existing[0]!.n),
      prices: 0,
      breakAccount: BREAK_ACCOUNT,
    };
  }
  const rand = prng(seed);
  const prices = syntheticPrices(seed);
  const priceAt = new Map(prices.map((p) => [`${p.symbol}|${p.date}`, p.close]));
  const datesBefore = [...new Set(prices.map((p) => p.date))].filter((d) => d < opts.asOf).sort();
  const lastDate = datesBefore[datesBefore.length - 1];
  if (!lastDate)
    throw new Error(
      `no synthetic prices before ${opts.asOf}: the calendar covers ${CALENDAR_YEARS.join(', ')}`,
    );

  await db.transaction(async (trx) => {
    await trx('advisors').insert(ADVISORS);
    await trx('securities').insert(
      SECURITIES.map((s) => ({
        symbol: s.symbol,
        cusip: s.cusip,
        description: s.description,
        type: 'ETF',
        asset_class: s.assetClass,
        fractionable: s.symbol !== 'VNQ',
        tlh_alternates: JSON.stringify(s.alternates),
      })),
    );
    await trx.raw(
      'INSERT INTO sim.securities (symbol, cusip, description, fractionable) SELECT symbol, cusip, description, fractionable FROM securities',
    );
    for (let i = 0; i < prices.length; i += 1000) await trx('prices').insert(prices.slice(i, i + 1000));
    await trx.raw('INSERT INTO sim.prices (symbol, date, close) SELECT symbol, date, close FROM prices');
    // Block orders execute in the average-price account, then are allocated to the accounts.
    await trx('sim.accounts')
      .insert({
        account_number: opts.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT,
        cash: '0.00',
        average_price_account: true,
      })
      .onConflict('account_number')
      .ignore();
    for (const m of MODELS) {
      await trx('models').insert({ id: m.id, name: m.name, current_version: 1 });
      await trx('model_versions').insert({
        model_id: m.id,
        version: 1,
        settings: JSON.stringify({ bandRule: 'ABS', absBand: '0.05' }),
        published_by: 'seed',
        via: 'seed',
      });
      await trx('model_targets').insert(
        Object.entries(m.targets).map(([symbol, weight]) => ({ model_id: m.id, version: 1, symbol, weight })),
      );
    }
    const households = Array.from({ length: Math.max(1, Math.ceil(count * 0.6)) }, (_, i) => ({
      id: `HH${String(i + 1).padStart(3, '0')}`,
      name: `Household ${i + 1}`,
    }));
    await trx('households').insert(households);

    for (let i = 0; i < count; i++) {
      const id = `ACC${String(i + 1).padStart(3, '0')}`;
      const number = `3ZO${String(i + 1).padStart(5, '0')}`;
      const model = MODELS[i % MODELS.length]!;
      const advisor = ADVISORS[i % ADVISORS.length]!;
      const taxStatus = i % 5 === 3 ? 'IRA' : i % 5 === 4 ? 'ROTH' : 'TAXABLE';
      const mode = i % 2 === 0 ? 'AUTO' : 'MANUAL';
      await trx('accounts').insert({
        id,
        custodian_account_number: number,
        name: `${advisor.name.split(' ')[1]} client ${i + 1}`,
        advisor_id: advisor.id,
        household_id: households[i % households.length]!.id,
        mode,
        tax_status: taxStatus,
        model_id: model.id,
        last_traded_model_version: 1,
        lot_method: 'MIN_TAX',
      });
      // Value 50k–500k; one in three accounts drifted well outside the 5 pp band.
      const total = new Dec(50_000 + Math.floor(rand() * 450_000));
      const drifted = i % 3 === 0 || i === 1;
      const weights = Object.entries(model.targets).map(([symbol, w], k) => {
        let weight = new Dec(w);
        if (drifted) weight = weight.plus(new Dec(k === 0 ? '0.09' : k === 1 ? '-0.05' : '-0.04'));
        else weight = weight.plus(new Dec(((rand() - 0.5) * 0.02).toFixed(4)));
        return { symbol, weight: Decimal.max(weight, 0) as Dec };
      });
      const positions: { symbol: string; qty: Dec }[] = [];
      for (const { symbol, weight } of weights) {
        const px = new Dec(priceAt.get(`${symbol}|${lastDate}`)!);
        const qty = new Dec(qtyStr(total.times(weight).div(px)));
        if (qty.isZero()) continue;
        positions.push({ symbol, qty });
        // 2–4 lots; open dates spread over 2025–2026, costs from the price that day.
        const nLots = 2 + Math.floor(rand() * 3);
        let left = qty;
        for (let l = 0; l < nLots; l++) {
          const lotQty = l === nLots - 1 ? left : new Dec(qtyStr(qty.div(nLots)));
          left = left.minus(lotQty);
          const d = datesBefore[Math.floor(rand() * Math.max(1, datesBefore.length - 5))]!;
          // Some lots bought near a local top, so the taxable ones show losses.
          const premium = l === 0 && taxStatus === 'TAXABLE' ? new Dec('1.12') : new Dec(1);
          const cost = new Dec(priceAt.get(`${symbol}|${d}`)!).times(premium);
          await trx('tax_lots').insert({
            id: `LOT-${id}-${symbol}-${l + 1}`,
            account_id: id,
            symbol,
            open_date: d,
            qty: qtyStr(lotQty),
            unit_cost: cost.toFixed(6),
            source: 'BUY',
          });
        }
      }
      await trx('positions').insert(
        positions.map((p) => ({ account_id: id, symbol: p.symbol, qty: qtyStr(p.qty) })),
      );
      let cash = total.times('0.02').toDecimalPlaces(2);
      if (id === 'ACC003') {
        cash = cash.plus(25_000);
        await trx('cash_flows').insert({
          id: 'CF-ACC003-DEP',
          account_id: id,
          type: 'DEPOSIT',
          amount: '25000.00',
          effective_date: lastDate,
          status: 'POSTED',
          custodian_ref: 'ACH-0001',
        });
      }
      if (id === 'ACC008') {
        await trx('cash_flows').insert({
          id: 'CF-ACC008-WD',
          account_id: id,
          type: 'WITHDRAWAL',
          amount: '-15000.00',
          effective_date: opts.asOf,
          status: 'PENDING',
          custodian_ref: 'ACH-0002',
        });
      }
      await trx('cash_balances').insert({ account_id: id, amount: cashStr(cash) });
      await trx('sim.accounts').insert({ account_number: number, cash: cashStr(cash) });
      // The custodian's tax lots (EXT_TAXLOT) are the book's: same ids, dates, quantities and costs.
      await trx.raw(
        `INSERT INTO sim.lots (lot_id, account_number, symbol, open_date, qty, unit_cost)
         SELECT id, ?, symbol, open_date, qty, unit_cost FROM tax_lots WHERE account_id = ?`,
        [number, id],
      );
      for (const p of positions) {
        // The deliberate break: the custodian holds 1.5 more BND in ACC011 than the book.
        const qty = id === BREAK_ACCOUNT && p.symbol === 'BND' ? p.qty.plus('1.5') : p.qty;
        await trx('sim.positions').insert({ account_number: number, symbol: p.symbol, qty: qtyStr(qty) });
      }
    }
  });
  return {
    seeded: true,
    advisors: ADVISORS.length,
    accounts: count,
    prices: prices.length,
    breakAccount: BREAK_ACCOUNT,
  };
}

export async function resetDemoData(db: Knex): Promise<void> {
  await db.raw(`TRUNCATE advisors, households, models, model_versions, model_targets, securities, firm_settings, account_scans, prices, accounts, restrictions,
    positions, tax_lots, cash_balances, cash_flows, custodian_files, custodian_positions, custodian_trades, proposals,
    proposal_legs, approvals, orders, executions, allocations, blocks, block_orders, block_executions, confirm_matches,
    breaks CASCADE`);
  await db.raw(
    'TRUNCATE sim.accounts, sim.securities, sim.prices, sim.positions, sim.lots, sim.cash_activity, sim.orders, sim.executions, sim.faults, sim.allocations, sim.halts',
  );
}
