/**
 * The trading day's own gauges (docs/observability.md), computed when scraped, never by workflow
 * code: accounts per stage from Temporal visibility (the `Stage` search attribute ops filter on),
 * everything else from the book in PostgreSQL. Counts only: quantities and money stay decimal
 * strings in the book and are never turned into metric floats. A scrape within `cacheMs` of the
 * last one gets the same figures, so several scrapers cost one round of queries.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { Counter, Gauge, type Registry } from 'prom-client';
import { utcToEtDate } from '../domain/calendar';
import { SA } from '../workflows/search-attributes';
import { STAGES } from '../workflows/types';
import { ENDED_BEFORE_BOOK, type EndedBeforeBook, endedBeforeBook, stagesByBook } from './book-stage';

export interface DayGaugeOptions {
  db: Knex;
  /** Temporal, for accounts per stage; without it the stage gauge is absent. */
  client?: Client;
  /** The trade dates reported (default: the two latest with proposals, and today in New York). */
  tradeDates?: () => Promise<string[]>;
  cacheMs?: number;
}

type Row = Record<string, string | number | null>;

interface Snapshot {
  accounts: { tradeDate: string; stage: string; n: number }[];
  rows: { name: string; labels: Record<string, string>; n: number }[];
  oldestOpenBreakS: number | null;
}

async function latestTradeDates(db: Knex): Promise<string[]> {
  const rows = (await db('proposals')
    .distinct(db.raw("to_char(trade_date, 'YYYY-MM-DD') AS d"))
    .orderBy('d', 'desc')
    .limit(2)) as { d: string }[];
  return [...new Set([utcToEtDate(new Date().toISOString()), ...rows.map((r) => r.d)])].sort();
}

/**
 * Accounts per stage on one trade date: one count per stage (SQL visibility has no GROUP BY Stage).
 * An account whose day ended before the book had its last word (`Traded` since
 * `batch-matches-confirms`, `Approved` since `batch-books-fills`: its batch books and matches it)
 * is counted as the book says, in one query for all of them (./book-stage.ts has the mapping).
 */
async function stageCounts(client: Client, db: Knex, tradeDate: string) {
  const out: { tradeDate: string; stage: string; n: number }[] = [];
  const base = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}"`;
  const total = (await client.workflow.count(base)).count;
  if (total === 0) return out;
  const counts = new Map<string, number>();
  for (const stage of STAGES)
    counts.set(stage, (await client.workflow.count(`${base} AND Stage="${stage}"`)).count);
  if (ENDED_BEFORE_BOOK.some((s) => (counts.get(s) ?? 0) > 0)) {
    const ended: { accountId: string; stage: EndedBeforeBook }[] = [];
    const query = `${base} AND Stage IN (${ENDED_BEFORE_BOOK.map((s) => `"${s}"`).join(', ')})`;
    for await (const wf of client.workflow.list({ query })) {
      const stage = wf.typedSearchAttributes.get(SA.Stage);
      const accountId = wf.typedSearchAttributes.get(SA.AccountId);
      if (accountId && stage && endedBeforeBook(stage)) ended.push({ accountId, stage });
    }
    const byBook = await stagesByBook(db, tradeDate, ended);
    const add = (stage: string, n: number) => counts.set(stage, (counts.get(stage) ?? 0) + n);
    for (const e of ended) {
      add(e.stage, -1);
      add(byBook.get(e.accountId) ?? e.stage, 1);
    }
  }
  // A day that ends between the counts and the list is moved without having been counted: never below 0.
  for (const stage of STAGES) out.push({ tradeDate, stage, n: Math.max(0, counts.get(stage) ?? 0) });
  return out;
}

const D = "to_char(trade_date, 'YYYY-MM-DD')";
const BREAK_TYPES = ['POSITION', 'CASH', 'COST_BASIS', 'EXECUTION'];
const ON_DATES = 'ANY(CAST(:dates AS date[]))';

/** Each book gauge: its query (grouped counts `n`, of the trade dates `:dates`) and its labels. */
const BOOK_QUERIES: { name: string; labels: string[]; sql: string }[] = [
  {
    name: 'proposals',
    labels: ['trade_date', 'status'],
    sql: `SELECT ${D} AS trade_date, status, count(*) AS n FROM proposals WHERE trade_date = ${ON_DATES} GROUP BY 1, 2`,
  },
  {
    name: 'orders',
    labels: ['trade_date', 'kind', 'status'],
    sql: `SELECT ${D} AS trade_date, 'account' AS kind, status, count(*) AS n FROM orders
           WHERE trade_date = ${ON_DATES} GROUP BY 1, 3
          UNION ALL
          SELECT to_char(b.trade_date, 'YYYY-MM-DD'), 'block', o.status, count(*) FROM block_orders o
            JOIN blocks b ON b.id = o.block_id WHERE b.trade_date = ${ON_DATES} GROUP BY 1, 3`,
  },
  {
    name: 'fills',
    labels: ['trade_date', 'kind'],
    sql: `SELECT to_char(o.trade_date, 'YYYY-MM-DD') AS trade_date, 'account' AS kind, count(*) AS n
            FROM executions e JOIN orders o ON o.client_order_id = e.client_order_id
           WHERE o.trade_date = ${ON_DATES} GROUP BY 1`,
  },
  {
    // The legs allocateBlock counts as carried (src/activities/blocks.ts): less than the leg.
    name: 'residuals_carried',
    labels: ['trade_date'],
    sql: `SELECT ${D} AS trade_date, count(*) AS n FROM (
            SELECT b.trade_date FROM allocations a
              JOIN blocks b ON b.id = a.block_id
              JOIN proposal_legs l ON l.proposal_id = a.proposal_id AND l.leg_no = a.leg_no
             WHERE b.status = 'ALLOCATED' AND COALESCE(a.qty, 0) < l.qty AND b.trade_date = ${ON_DATES}) c
          GROUP BY 1`,
  },
  {
    name: 'confirm_matches',
    labels: ['trade_date', 'result'],
    sql: `SELECT ${D} AS trade_date, result, count(*) AS n FROM confirm_matches WHERE trade_date = ${ON_DATES} GROUP BY 1, 2`,
  },
];

async function bookCounts(db: Knex, dates: string[]): Promise<Snapshot['rows']> {
  const out: Snapshot['rows'] = [];
  for (const q of BOOK_QUERIES) {
    for (const r of (await db.raw(q.sql, { dates })).rows as Row[])
      out.push({
        name: q.name,
        labels: Object.fromEntries(q.labels.map((k) => [k, String(r[k])])),
        n: Number(r.n),
      });
  }
  // Every break type the schema allows (breaks_type_check), 0 when none is open.
  const open = new Map<string, number>(BREAK_TYPES.map((t) => [t, 0]));
  const rows = (await db('breaks')
    .where({ status: 'OPEN' })
    .groupBy('type')
    .select('type')
    .count('* as n')) as Row[];
  for (const r of rows) open.set(String(r.type), Number(r.n));
  for (const [type, n] of open) out.push({ name: 'breaks_open', labels: { type }, n });
  return out;
}

/**
 * Registers the gauges on `registry`. Each scrape reads the figures (or the cached ones); a
 * source that fails is counted in zoe_day_metrics_errors_total{source} and its gauges left out.
 */
export function registerDayGauges(registry: Registry, opts: DayGaugeOptions): void {
  const cacheMs = opts.cacheMs ?? 5000;
  const errors = new Counter({
    name: 'zoe_day_metrics_errors_total',
    help: 'Failed reads of the day gauges, by source (temporal, postgres)',
    labelNames: ['source'],
    registers: [registry],
  });
  // Both series from the start (0), so that `increase(…) > 0` alerts have something to read.
  for (const source of ['temporal', 'postgres']) errors.inc({ source }, 0);
  let cached: { at: number; snapshot: Promise<Snapshot> } | undefined;
  const read = async (): Promise<Snapshot> => {
    const dates = await (opts.tradeDates ?? (() => latestTradeDates(opts.db)))();
    const accounts: Snapshot['accounts'] = [];
    if (opts.client) {
      for (const date of dates) {
        try {
          accounts.push(...(await stageCounts(opts.client, opts.db, date)));
        } catch {
          errors.inc({ source: 'temporal' });
        }
      }
    }
    let rows: Snapshot['rows'] = [];
    let oldestOpenBreakS: number | null = null;
    try {
      rows = await bookCounts(opts.db, dates);
      const oldest = (await opts.db('breaks').where({ status: 'OPEN' }).min('opened_at as t').first()) as
        | { t: Date | null }
        | undefined;
      oldestOpenBreakS = oldest?.t ? Math.max(0, (Date.now() - new Date(oldest.t).getTime()) / 1000) : null;
    } catch {
      errors.inc({ source: 'postgres' });
    }
    return { accounts, rows, oldestOpenBreakS };
  };
  const snapshot = (): Promise<Snapshot> => {
    if (!cached || Date.now() - cached.at > cacheMs) cached = { at: Date.now(), snapshot: read() };
    return cached.snapshot;
  };

  new Gauge({
    name: 'zoe_day_accounts',
    help: 'AccountDay workflows of a trade date by Stage (Temporal visibility)',
    labelNames: ['trade_date', 'stage'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const a of (await snapshot()).accounts) this.set({ trade_date: a.tradeDate, stage: a.stage }, a.n);
    },
  });
  const fromBook: [string, string, string[]][] = [
    ['proposals', 'Proposals of a trade date by status', ['trade_date', 'status']],
    [
      'orders',
      'Orders of a trade date by kind (account, block) and status',
      ['trade_date', 'kind', 'status'],
    ],
    ['fills', 'Executions booked to accounts on a trade date', ['trade_date', 'kind']],
    [
      'residuals_carried',
      'Account legs of allocated blocks not fully filled: carried to the next day',
      ['trade_date'],
    ],
    ['confirm_matches', 'Next-morning confirm matching results of a trade date', ['trade_date', 'result']],
    ['breaks_open', 'Open reconciliation and execution breaks by type (any date)', ['type']],
  ];
  for (const [name, help, labelNames] of fromBook) {
    new Gauge({
      name: `zoe_day_${name}`,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of (await snapshot()).rows) if (r.name === name) this.set(r.labels, r.n);
      },
    });
  }
  new Gauge({
    name: 'zoe_day_oldest_open_break_seconds',
    help: 'Age of the oldest open break (absent when none is open)',
    registers: [registry],
    async collect() {
      this.reset();
      const s = (await snapshot()).oldestOpenBreakS;
      if (s !== null) this.set(s);
    },
  });
}
