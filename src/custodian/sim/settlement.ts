/**
 * When the simulated custodian's trades settle (docs/domain.md §4.3). A trade with trade date T settles on
 * S = nextSettlementDay(T) (T+1 on the settlement calendar); it is settled at the start of a process
 * date P when S < P. Its settled quantity counts in EXT871's SettleQuantity from then, its cash in
 * EXT981's CashSettleBalance, and EXT869 reports the settlement (batch TR) on the first morning
 * after S.
 *
 * Settlement faults (`POST /sim/v1/faults {"settlements": [...]}`, kept in sim.settlement_faults)
 * change S for one booked trade, by its client order id (an allocation's, or an order's):
 * - `fail`: it does not settle while the fault is in force; once removed it settles on the
 *   business date of the removal (so the next morning shows it), or on S if that is later;
 * - `delay` N: it settles N settlement days after S (earlier if the fault is removed first, as a
 *   fail would).
 * A fault planted after S (the trade had settled already) changes nothing. Trade-date quantities
 * and cash never change. Every date is recorded, so a morning asked again gives the same files.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { addCalendarDays, nextSettlementDay, previousTradingDay } from '../../domain/calendar';
import { type Dec, ZERO, dec, qtyStr } from '../../domain/money';
import { appliedActions, carryHolding } from './action-history';
import { businessDate } from './business-day';
import { type ExecRow, averagePriceAccounts, executionsSettlingSince } from './executions';

/** One settlement fault as the fault switch takes it. */
export const SettlementFaultSchema = z
  .object({
    /** The booked trade: an allocation's client order id ({yyyymmdd}-{account}-L{leg}-AL) or an order's. */
    clientOrderId: z.string().min(1).max(40),
    kind: z.enum(['fail', 'delay']),
    /** delay: how many settlement days late. */
    days: z.number().int().min(1).max(60).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.kind === 'delay' && f.days === undefined)
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'is required for kind delay' });
    if (f.kind === 'fail' && f.days !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['days'],
        message: 'is for kind delay only (a fail lasts until removed)',
      });
  });
export type SettlementFault = z.infer<typeof SettlementFaultSchema>;

export const SettlementFaultsSchema = z
  .array(SettlementFaultSchema)
  .max(1000)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((f, i) => {
      if (seen.has(f.clientOrderId))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'clientOrderId'],
          message: `${f.clientOrderId} is listed twice`,
        });
      seen.add(f.clientOrderId);
    });
  });

interface FaultRow {
  client_order_id: string;
  kind: 'fail' | 'delay';
  days: number | null;
  planted_on: string;
  released_on: string | null;
}

/** Later than any date: a failed trade's settlement date while the fault is in force. */
export const NEVER = '9999-12-31';

/**
 * Puts exactly these settlement faults in force (as the file faults, the list replaces the one
 * before): new ones are planted on the business date, the ones left out are released on it.
 */
export async function setSettlementFaults(
  db: Knex,
  faults: readonly SettlementFault[],
  now: Date,
): Promise<SettlementFault[]> {
  const list = SettlementFaultsSchema.parse(faults);
  const today = await businessDate(db, now);
  await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['sim:settlement-faults']);
    const wanted = new Set(list.map((f) => f.clientOrderId));
    await trx('sim.settlement_faults')
      .whereNull('released_on')
      .whereNotIn('client_order_id', [...wanted])
      .update({ released_on: today });
    for (const f of list) {
      const cur: FaultRow | undefined = await trx('sim.settlement_faults')
        .where({ client_order_id: f.clientOrderId })
        .first();
      const terms = { kind: f.kind, days: f.days ?? null };
      if (!cur)
        await trx('sim.settlement_faults').insert({
          client_order_id: f.clientOrderId,
          ...terms,
          planted_on: today,
        });
      else if (cur.released_on !== null)
        await trx('sim.settlement_faults')
          .where({ client_order_id: f.clientOrderId })
          .update({ ...terms, planted_on: today, released_on: null });
      else await trx('sim.settlement_faults').where({ client_order_id: f.clientOrderId }).update(terms);
    }
  });
  return activeSettlementFaults(db);
}

/** The settlement faults in force, by client order id. */
export async function activeSettlementFaults(db: Knex): Promise<SettlementFault[]> {
  const rows: FaultRow[] = await db('sim.settlement_faults')
    .whereNull('released_on')
    .orderBy('client_order_id');
  return rows.map((r) => ({
    clientOrderId: r.client_order_id,
    kind: r.kind,
    ...(r.days !== null ? { days: r.days } : {}),
  }));
}

function addSettlementDays(date: string, n: number): string {
  let d = date;
  for (let i = 0; i < n; i++) d = nextSettlementDay(d);
  return d;
}

/** The settlement dates of the simulator's trades, faults included. */
export class SettlementCalendar {
  private constructor(private readonly faults: Map<string, FaultRow>) {}

  static async load(db: Knex): Promise<SettlementCalendar> {
    const rows: FaultRow[] = await db('sim.settlement_faults').select();
    return new SettlementCalendar(new Map(rows.map((r) => [r.client_order_id, r])));
  }

  /** The date a trade of `clientOrderId` traded on `tradeDate` settles (NEVER while it fails). */
  settleDate(clientOrderId: string, tradeDate: string): string {
    const s = nextSettlementDay(tradeDate);
    const f = this.faults.get(clientOrderId);
    if (!f || s < f.planted_on) return s;
    let due = NEVER;
    if (f.kind === 'delay') {
      try {
        due = addSettlementDays(s, f.days ?? 0);
      } catch {
        due = NEVER; // beyond the calendar's years
      }
    }
    if (f.released_on !== null) {
      const released = f.released_on > s ? f.released_on : s;
      if (released < due) due = released;
    }
    return due;
  }

  /** Settled at the start of `processDate`. */
  settledBy(e: Pick<ExecRow, 'client_order_id' | 'trade_date'>, processDate: string): boolean {
    return this.settleDate(e.client_order_id, e.trade_date) < processDate;
  }
}

/** A trade not settled at the start of a process date: settled − trade-date quantity. */
export interface Unsettled {
  account: string;
  /** The symbol it was traded under. */
  symbol: string;
  tradeDate: string;
  /** − the shares bought and not received, + the shares sold and not delivered. */
  delta: Dec;
}

/**
 * The trades not settled at the start of `processDate` (traded from `since` on, or with a
 * settlement fault). Accounts in `skip` (the average-price account, whose blocks are allocated
 * away the same day) are left out.
 */
export async function unsettledTrades(
  db: Knex,
  processDate: string,
  since: string,
  skip: ReadonlySet<string>,
): Promise<Unsettled[]> {
  const cal = await SettlementCalendar.load(db);
  const execs: ExecRow[] = await executionsSettlingSince(db, since).where('e.trade_date', '<', processDate);
  return execs
    .filter((e) => !skip.has(e.account_number) && !cal.settledBy(e, processDate))
    .map((e) => ({
      account: e.account_number,
      symbol: e.symbol,
      tradeDate: e.trade_date,
      delta: e.side === 'BUY' ? dec(e.quantity).neg() : dec(e.quantity),
    }));
}

/** A position of the morning files: trade-date quantity and settled quantity. */
export interface SettledPosition {
  account_number: string;
  symbol: string;
  qty: Dec;
  settleQty: Dec;
}

/**
 * EXT871's quantities at the start of `processDate`: the trade-date positions with their settled
 * quantity (the trade-date quantity − shares bought and not received + shares sold and not
 * delivered). A position sold out but not delivered yet is kept (trade 0, settled > 0). A trade
 * that a corporate action reached before it settled counts in the shares and symbol of the date.
 */
export async function settledPositions(
  db: Knex,
  processDate: string,
  positions: readonly { account_number: string; symbol: string; qty: Dec }[],
): Promise<SettledPosition[]> {
  const since = addCalendarDays(previousTradingDay(processDate), -14);
  const open = await unsettledTrades(db, processDate, since, await averagePriceAccounts(db));
  const actions = await appliedActions(db);
  const map = new Map<string, SettledPosition>(
    positions.map((p) => [`${p.account_number}|${p.symbol}`, { ...p, settleQty: p.qty }]),
  );
  for (const u of open) {
    const now = carryHolding(actions, u.symbol, u.tradeDate, processDate);
    if (!now) continue; // paid out in cash by a merger
    const k = `${u.account}|${now.symbol}`;
    const cur = map.get(k) ?? { account_number: u.account, symbol: now.symbol, qty: ZERO, settleQty: ZERO };
    cur.settleQty = cur.settleQty.plus(dec(qtyStr(u.delta.times(now.factor))));
    map.set(k, cur);
  }
  return [...map.values()]
    .filter((p) => !p.qty.isZero() || !p.settleQty.isZero())
    .sort((a, b) =>
      a.account_number === b.account_number
        ? a.symbol < b.symbol
          ? -1
          : a.symbol > b.symbol
            ? 1
            : 0
        : a.account_number < b.account_number
          ? -1
          : 1,
    );
}
