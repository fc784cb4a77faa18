/**
 * The simulated custodian's tax lots (EXT_TAXLOT) as of the start of a process date: sim.lots holds
 * the lots opened outside the order flow (seeded holdings, transfers); lots of executions are
 * replayed on top, in trade order: a BUY opens a lot (its id is the execution id), a SELL closes the
 * lots its lot matching instructions name, then first in, first out. The corporate actions applied
 * (./action-history.ts) are replayed at their process date on the lots open then, with the rules of
 * src/domain/corporate-actions.ts (a split's factor, a merger's new security, a cash merger closing
 * them, a symbol change renaming them).
 */
import type { Knex } from 'knex';
import { CalendarCoverageError, nextSettlementDay } from '../../domain/calendar';
import { type HeldLot, applyStockFactor } from '../../domain/corporate-actions';
import { Dec, cashStr, dec, qtyStr } from '../../domain/money';
import type { ExtTaxlotInput } from '../files';
import { type AppliedAction, appliedActions, nameBefore } from './action-history';
import type { LotMatch } from './allocations';
import { type ExecRow, averagePriceAccounts, execsQuery } from './executions';
import type { SecurityAsOf } from './sod';

export interface SimLot {
  lotId: string;
  accountNumber: string;
  symbol: string;
  openTradeDate: string;
  openSettleDate: string | null;
  qty: Dec;
  unitCost: Dec;
  acquisitionMethod: 'BUY' | 'DRIP' | 'ACATS' | 'CA';
  covered: boolean;
}

function settleDateOf(tradeDate: string): string | null {
  try {
    return nextSettlementDay(tradeDate);
  } catch (e) {
    if (e instanceof CalendarCoverageError) return null; // a lot opened before the calendar's first year
    throw e;
  }
}

/** A lot portion a SELL execution closed (the custodian's realized gain: qty × (price − unit cost)). */
export interface SimClosedLot {
  accountNumber: string;
  symbol: string;
  lotId: string;
  tradeDate: string;
  clientOrderId: string;
  qty: Dec;
  unitCost: Dec;
  price: Dec;
}

/**
 * The open lots at the start of `processDate`: sim.lots opened before the date, then every
 * execution traded before it, in trade order (BUY opens a lot, SELL closes the lots its lot
 * matching instructions name, then first in, first out; a SELL beyond the known lots closes what there is),
 * each corporate action of a process date up to `processDate` applied before the executions of its
 * date. Sorted by account, symbol, open date, id.
 * The average-price account (where block orders execute before they are allocated) has no lots.
 * `opts.closed`, when given, receives every lot portion a SELL closed on the way;
 * `opts.actionsThrough` leaves out the corporate actions of later process dates (the lots at the
 * close of that day, before the next morning's actions), but for their renames (symbol changes)
 * with `opts.keepRenames`.
 */
export async function lotsAsOf(
  db: Knex,
  processDate: string,
  opts: { closed?: SimClosedLot[]; actionsThrough?: string; keepRenames?: boolean } = {},
): Promise<SimLot[]> {
  const closed = opts.closed;
  const through = opts.actionsThrough ?? processDate;
  const house = await averagePriceAccounts(db);
  const base: {
    lot_id: string;
    account_number: string;
    symbol: string;
    open_date: string;
    qty: string;
    unit_cost: string;
    acquisition_method: string;
    covered: boolean;
  }[] = await db('sim.lots').where('open_date', '<', processDate).orderBy(['open_date', 'lot_id']);
  const applied = await appliedActions(db);
  const actions = applied.filter(
    (a) =>
      a.processDate <= processDate &&
      (a.processDate <= through || (opts.keepRenames === true && a.action === 'SYMBOL_CHANGE')),
  );
  const open = new Map<string, SimLot[]>();
  const push = (l: SimLot) => {
    const k = `${l.accountNumber}|${l.symbol}`;
    const list = open.get(k) ?? [];
    list.push(l);
    open.set(k, list);
  };
  for (const b of base) {
    push({
      lotId: b.lot_id,
      accountNumber: b.account_number,
      // A lot renamed by a later symbol change is replayed under the name it had then.
      symbol: nameBefore(applied, b.symbol, b.open_date),
      openTradeDate: b.open_date,
      openSettleDate: settleDateOf(b.open_date),
      qty: dec(b.qty),
      unitCost: dec(b.unit_cost),
      acquisitionMethod: (['BUY', 'DRIP', 'ACATS', 'CA'].includes(b.acquisition_method)
        ? b.acquisition_method
        : 'BUY') as SimLot['acquisitionMethod'],
      covered: b.covered,
    });
  }
  const execs: ExecRow[] = await execsQuery(db).where('e.trade_date', '<', processDate);
  let next = 0;
  /** Applies the actions of process dates up to `date` (all of them: undefined) not applied yet. */
  const actUntil = (date?: string) => {
    for (; next < actions.length && (date === undefined || actions[next]!.processDate <= date); next++)
      applyToLots(open, actions[next]!);
  };
  for (const e of execs) {
    actUntil(e.trade_date);
    if (house.has(e.account_number)) continue;
    const qty = dec(e.quantity);
    if (e.side === 'BUY') {
      push({
        lotId: e.execution_id,
        accountNumber: e.account_number,
        symbol: e.symbol,
        openTradeDate: e.trade_date,
        openSettleDate: settleDateOf(e.trade_date),
        qty,
        unitCost: dec(e.price),
        acquisitionMethod: 'BUY',
        covered: true,
      });
      continue;
    }
    const list = matchedFirst((open.get(`${e.account_number}|${e.symbol}`) ?? []).sort(fifo), e.lot_matching);
    let left = qty;
    for (const lot of list) {
      if (left.lte(0)) break;
      const take = Dec.min(left, lot.qty);
      if (take.lte(0)) continue;
      closed?.push({
        accountNumber: e.account_number,
        symbol: e.symbol,
        lotId: lot.lotId,
        tradeDate: e.trade_date,
        clientOrderId: e.client_order_id,
        qty: take,
        unitCost: lot.unitCost,
        price: dec(e.price),
      });
      lot.qty = lot.qty.minus(take);
      left = left.minus(take);
    }
  }
  actUntil();
  return [...open.values()]
    .flat()
    .filter((l) => l.qty.gt(0))
    .sort(
      (a, b) =>
        cmpStr(a.accountNumber, b.accountNumber) ||
        cmpStr(a.symbol, b.symbol) ||
        cmpStr(a.openTradeDate, b.openTradeDate) ||
        cmpStr(a.lotId, b.lotId),
    );
}

/**
 * One corporate action on the lots open at the start of its process date (opened before it), of
 * every account holding its security: a stock factor (split, reverse split, stock merger) through
 * applyStockFactor, ids and open dates kept, moved to the new security for a merger; a cash merger
 * closes them; a symbol change renames them.
 */
function applyToLots(open: Map<string, SimLot[]>, a: AppliedAction): void {
  for (const [key, list] of [...open]) {
    if (list[0]?.symbol !== a.from) continue;
    const held = list.filter((l) => l.qty.gt(0) && l.openTradeDate < a.processDate);
    if (held.length === 0) continue;
    if (a.to === null) {
      for (const l of held) l.qty = new Dec(0);
      continue;
    }
    if (a.stockFactor !== null) {
      const r = applyStockFactor(held.map(heldLotOf), a.stockFactor, a.wholeShares);
      r.lots.forEach((n, i) => {
        held[i]!.qty = dec(n.qty);
        held[i]!.unitCost = dec(n.unitCost);
      });
    }
    if (a.to === a.from) continue;
    const account = key.slice(0, key.indexOf('|'));
    open.set(
      key,
      list.filter((l) => !held.includes(l)),
    );
    const target = open.get(`${account}|${a.to}`) ?? [];
    for (const l of held) target.push({ ...l, symbol: a.to });
    open.set(`${account}|${a.to}`, target);
  }
}

/** A lot as the rules of src/domain/corporate-actions.ts take it. */
export function heldLotOf(l: SimLot): HeldLot {
  return { lotId: l.lotId, openDate: l.openTradeDate, qty: l.qty.toFixed(), unitCost: l.unitCost.toFixed() };
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The lots a sell closes, in order: those its lot matching instructions name (by lot id, or by the
 * lot's trade date and price when the id is not the custodian's), then the rest first in, first out.
 */
function matchedFirst(lots: SimLot[], instructions: LotMatch[] | null): SimLot[] {
  if (!instructions || instructions.length === 0) return lots;
  const chosen: SimLot[] = [];
  for (const m of instructions) {
    const free = lots.filter((l) => !chosen.includes(l) && l.qty.gt(0));
    const lot =
      free.find((l) => m.id !== undefined && l.lotId === m.id) ??
      free.find(
        (l) =>
          m.tradeDate !== undefined &&
          m.price !== undefined &&
          l.openTradeDate === m.tradeDate &&
          l.unitCost.toFixed(6) === dec(m.price).toFixed(6),
      );
    if (lot) chosen.push(lot);
  }
  return [...chosen, ...lots.filter((l) => !chosen.includes(l))];
}

function fifo(a: SimLot, b: SimLot): number {
  return cmpStr(a.openTradeDate, b.openTradeDate) || cmpStr(a.lotId, b.lotId);
}

/** Long-term (L) when held more than one year at the process date, else short-term (S). */
export function termCode(openTradeDate: string, processDate: string): 'S' | 'L' {
  const anniversary = `${Number(openTradeDate.slice(0, 4)) + 1}${openTradeDate.slice(4)}`;
  return processDate > anniversary ? 'L' : 'S';
}

/** EXT_TAXLOT rows for `processDate` from the open lots, valued at the previous close. */
export function taxLotRows(
  lots: readonly SimLot[],
  processDate: string,
  secs: Map<string, SecurityAsOf>,
  closes: Map<string, Dec>,
): ExtTaxlotInput[] {
  return lots.map((l) => {
    const totalCost = cashStr(l.qty.times(l.unitCost));
    const c = closes.get(l.symbol);
    const close = c?.gt(0) ? c : undefined;
    const marketValue = close ? cashStr(l.qty.times(close)) : null;
    return {
      accountNumber: l.accountNumber,
      processDate,
      cusip: secs.get(l.symbol)?.cusip ?? 'UNKNOWN00',
      symbol: l.symbol,
      lotId: l.lotId,
      openTradeDate: l.openTradeDate,
      openSettleDate: l.openSettleDate,
      quantity: qtyStr(l.qty),
      unitCost: l.unitCost.toFixed(6),
      totalCost,
      adjustedCost: totalCost,
      washSaleDisallowedAdj: '0.00',
      termCode: termCode(l.openTradeDate, processDate),
      coveredFlag: l.covered ? 'COVERED' : 'NONCOVERED',
      acquisitionMethod: l.acquisitionMethod,
      closingPrice: close ? close.toFixed(6) : null,
      marketValue,
      unrealizedGL: marketValue === null ? null : cashStr(dec(marketValue).minus(totalCost)),
    };
  });
}
