/**
 * Seeded demo data, loaded through the book's CSV import (src/book/csv) like any firm's book:
 * 3 advisors, 12 households, 20 accounts (auto and manual, taxable, IRA and Roth), the three
 * models of docs/domain.md §10, positions with tax lots (some at a loss), a deposit and a pending
 * withdrawal (src/demo/book-files.ts; the firm's configuration is in the files under
 * src/demo/book/). Then synthetic daily closes for the ETFs of docs/domain.md §10 (seeded geometric Brownian
 * motion over the NYSE calendar, 2025–2027), and the same state at the simulated custodian
 * (positions and tax lots, same lot ids) except one deliberate position break (ACC011, BND).
 * With `dayEvents` (`npm start`, `npm run seed`), the first day's events at the custodian too
 * (./day-events.ts): a $400,000 wire into ACC013 and SGOV halted through the window.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Decimal from 'decimal.js';
import type { Knex } from 'knex';
import { KINDS, fileNameOf } from '../book/csv/formats';
import { importBook } from '../book/csv/import';
import { formatError } from '../book/csv/table';
import { DEFAULT_AVERAGE_PRICE_ACCOUNT } from '../custodian/port';
import { CALENDAR_YEARS, addCalendarDays, previousTradingDay, tradingDaysBetween } from '../domain/calendar';
import { Dec } from '../domain/money';
import { ADVISORS, CONFIG_KINDS, SECURITIES, demoBookFiles, prng } from './book-files';
import { addDemoDayEvents } from './day-events';
import { mirrorBookToSimulator } from './simulator-book';

export { MODELS, SECURITIES, prng } from './book-files';

/** The demo firm's configuration files (the samples of docs/configuration-book.md). */
export const DEMO_BOOK_DIR = path.join(__dirname, 'book');
/** The demo's default seed (its synthetic prices and generated balances). */
export const DEMO_SEED = 20261124;
/** The number of accounts those files hold. */
export const DEMO_ACCOUNTS = 20;

export interface SeedOptions {
  /** The first trade date the data is for: lots open before it. */
  asOf: string;
  seed?: number;
  accounts?: number;
  /** Delete existing demo data first. */
  reset?: boolean;
  /** The custodian's average-price account for block orders (default ZOEAVG01). */
  averagePriceAccount?: string;
  /**
   * Also the demo day's events at the simulator (./day-events.ts: a large wire, a halted
   * symbol), so the day sends a flagged-trade and a carried-trade mail. `npm start` and
   * `npm run seed` ask for them; test stacks do not.
   */
  dayEvents?: boolean;
}

export interface SeedSummary {
  seeded: boolean;
  advisors: number;
  accounts: number;
  prices: number;
  breakAccount: string;
}

export const BREAK_ACCOUNT = 'ACC011';

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * The first stretch of synthetic prices, drawn from one stream before the calendar had 2028. It is
 * kept exactly (tests read exact prices); each later year draws from its own stream, so adding a year
 * to the calendar never changes the prices of the years before it.
 */
const FIRST_STRETCH = { from: '2025-01-02', to: '2027-12-30' } as const;

/** The stream of a later year: its own seed, mixed from the demo seed and the year. */
function yearStream(seed: number, year: number): () => number {
  return prng((seed ^ Math.imul(year, 0x9e3779b1)) >>> 0);
}

/**
 * Synthetic daily closes over every trading day of the calendar's years:
 * price_t = price_{t-1} · exp((μ − σ²/2)/252 + σ/√252 · z). A later year continues each security
 * from its last close before the year (docs/calendar.md, "Adding a year").
 */
export function syntheticPrices(seed: number): readonly SyntheticPrice[] {
  // Over a second of Decimal exp() per seed: computed once per process (every test stack seeds).
  const known = pricesBySeed.get(seed);
  if (known) return known;
  const prices = Object.freeze(generatePrices(seed).map((p) => Object.freeze(p)));
  pricesBySeed.set(seed, prices);
  return prices;
}

export type SyntheticPrice = Readonly<{ symbol: string; date: string; close: string }>;
const pricesBySeed = new Map<number, readonly SyntheticPrice[]>();

/** One trading day of geometric Brownian motion: the next close, to the cent. */
function nextClose(price: Decimal, s: { drift: number; vol: number }, rand: () => number): Decimal {
  const z = gaussian(rand);
  const r = (s.drift - (s.vol * s.vol) / 2) / 252 + (s.vol / Math.sqrt(252)) * z;
  return price.times(new Dec(r.toFixed(12)).exp()).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
}

/**
 * Synthetic closes for a security outside the demo's list (a firm's own book on the simulated
 * market): from $100.00, 6 % drift, 18 % volatility, over the same trading days as the demo's
 * series, from a stream of its own seeded by its symbol (the same symbol always gets the same
 * series, and no other security's series changes).
 */
export function syntheticPricesFor(symbol: string): SyntheticPrice[] {
  let h = 0x811c9dc5;
  for (const ch of symbol) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  const rand = prng(h);
  const last = CALENDAR_YEARS.at(-1)!;
  let price: Decimal = new Dec('100.00');
  return tradingDaysBetween(FIRST_STRETCH.from, `${last}-12-31`).map((date) => {
    price = nextClose(price, { drift: 0.06, vol: 0.18 }, rand);
    return { symbol, date, close: price.toFixed(2) };
  });
}

function generatePrices(seed: number): { symbol: string; date: string; close: string }[] {
  const stretches = [{ days: tradingDaysBetween(FIRST_STRETCH.from, FIRST_STRETCH.to), rand: prng(seed) }];
  let end: string = FIRST_STRETCH.to;
  for (const year of CALENDAR_YEARS) {
    if (`${year}-12-31` <= end) continue;
    stretches.push({
      days: tradingDaysBetween(addCalendarDays(end, 1), `${year}-12-31`),
      rand: yearStream(seed, year),
    });
    end = `${year}-12-31`;
  }
  const bySymbol = new Map<string, { symbol: string; date: string; close: string }[]>(
    SECURITIES.map((s) => [s.symbol, []]),
  );
  const last = new Map<string, Decimal>(SECURITIES.map((s) => [s.symbol, new Dec(s.start)]));
  for (const { days, rand } of stretches) {
    for (const s of SECURITIES) {
      let price = last.get(s.symbol)!;
      const out = bySymbol.get(s.symbol)!;
      for (const date of days) {
        price = nextClose(price, s, rand);
        out.push({ symbol: s.symbol, date, close: price.toFixed(2) });
      }
      last.set(s.symbol, price);
    }
  }
  return [...bySymbol.values()].flat();
}

/**
 * The demo book's files for `count` accounts and the first trade date `asOf`: the configuration
 * from src/demo/book/ when it is the 20-account firm, positions, cash and cash flows (which depend
 * on the date) generated.
 */
export function demoBook(opts: { asOf: string; accounts?: number; seed?: number }) {
  const seed = opts.seed ?? DEMO_SEED;
  const count = opts.accounts ?? DEMO_ACCOUNTS;
  const prices = syntheticPrices(seed);
  const priceAt = new Map(prices.map((p) => [`${p.symbol}|${p.date}`, p.close]));
  const datesBefore = [...new Set(prices.map((p) => p.date))].filter((d) => d < opts.asOf).sort();
  if (datesBefore.length === 0) {
    throw new Error(
      `no synthetic prices before ${opts.asOf}: the calendar covers ${CALENDAR_YEARS.join(', ')}`,
    );
  }
  const generated = demoBookFiles({
    count,
    seed,
    asOf: opts.asOf,
    priceAt: (symbol, date) => priceAt.get(`${symbol}|${date}`)!,
    datesBefore,
  });
  const files = KINDS.map((kind) => {
    const name = fileNameOf(kind);
    return count === DEMO_ACCOUNTS && CONFIG_KINDS.includes(kind)
      ? {
          kind,
          name: path.join('src/demo/book', name),
          content: readFileSync(path.join(DEMO_BOOK_DIR, name)),
        }
      : { kind, name: `${name} (generated for ${opts.asOf})`, content: generated[name]! };
  });
  return { files, generated, prices, count };
}

export async function seedDemoData(db: Knex, opts: SeedOptions): Promise<SeedSummary> {
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
  const { files, prices, count } = demoBook(opts);
  const report = await importBook(db, files, {
    apply: true,
    actor: { id: 'seed', via: 'seed' },
    today: opts.asOf,
  });
  if (!report.applied) {
    throw new Error(
      `the demo book did not import:\n${report.errors.slice(0, 20).map(formatError).join('\n')}`,
    );
  }
  await db.transaction(async (trx) => {
    // The market (the simulator) has the whole synthetic series; the book has the closes known
    // before the first trade date, and from then on the custodian's (EXT747, at each morning's
    // ingestion), so a split the custodian applies reaches the book's prices the same morning.
    const known = prices.filter((p) => p.date < opts.asOf);
    for (let i = 0; i < known.length; i += 1000) await trx('prices').insert(known.slice(i, i + 1000));
    await mirrorBookToSimulator(trx, {
      averagePriceAccount: opts.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT,
      // The deliberate break: the custodian holds 1.5 more BND in ACC011 than the book.
      adjust: { accountId: BREAK_ACCOUNT, symbol: 'BND', extraQty: '1.5' },
    });
    const later = prices.filter((p) => p.date >= opts.asOf);
    for (let i = 0; i < later.length; i += 1000) await trx('sim.prices').insert(later.slice(i, i + 1000));
    // The book and the custodian agree as of the evening before the first trade date.
    await trx('accounts').update({ synced_through: previousTradingDay(opts.asOf) });
    if (opts.dayEvents) await addDemoDayEvents(trx, opts.asOf);
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
  await db.raw(`TRUNCATE advisors, households, models, model_versions, model_targets, securities, firm_settings,
    account_scans, prices, accounts, restrictions, positions, tax_lots, cash_balances, cash_flows, custodian_files,
    custodian_positions, custodian_trades, proposals, proposal_legs, approvals, orders, executions, allocations, blocks,
    block_orders, block_executions, confirm_matches, breaks, corporate_action_postings, realized_lots,
    security_successions CASCADE`);
  await db.raw(
    'TRUNCATE sim.accounts, sim.securities, sim.prices, sim.positions, sim.lots, sim.cash_activity, sim.orders, sim.executions, sim.faults, sim.allocations, sim.halts, sim.corporate_actions, sim.corporate_action_effects, sim.ach_withdrawals, sim.file_sets, sim.settlement_faults',
  );
}
