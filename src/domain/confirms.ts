/**
 * Next-morning confirm matching: our filled orders against the custodian's trade activity (EXT872 rows),
 * docs/domain.md §9.
 *
 * Pure and deterministic: no I/O, no clock, no randomness; importable from Temporal workflow code.
 * Amounts are decimal strings in and out and `Dec` inside; tolerance tests are exact (no division).
 *
 * Pairing (L1): (accountNumber, custodian orderId — else clientOrderId —, symbol, side). The custodian's
 * rows are grouped per (accountNumber, orderId, symbol, side); B and C are about a BUY, S and T about a
 * SELL. Each C/T row reverses one B/S row of the same order with the same quantity and price; a group
 * left with no live execution is CANCELED_AT_CUSTODIAN. The live rows of a group (partial executions)
 * are summed (quantity, principal) and volume-weighted (price) before comparing.
 *
 * Matching (L2): quantity exact at 5 dp; average price within ±price tolerance (0.005); principal
 * within ±money tolerance (0.01) — against our gross amount when given, else each row's own
 * quantity × price; trade date = the matched trade date; settlement date = expectedSettlementDate.
 */
import Decimal from 'decimal.js';
import { Dec, QTY_DP, ZERO, cashStr, dec } from './money';

export type BuySellCode = 'B' | 'S' | 'C' | 'T';
export type Side = 'BUY' | 'SELL';

export interface OurFill {
  clientOrderId: string;
  /** The custodian's order id from the ack, when we have it. */
  custodianOrderId: string | null;
  accountNumber: string;
  symbol: string;
  side: Side;
  /** Filled quantity (> 0). */
  qty: string;
  /** Our average fill price (> 0). */
  avgPrice: string;
  /** Our gross (principal) amount; when absent each custodian row is checked against its qty × price. */
  grossAmount?: string;
}

/** The fields of an EXT872 row (Ext872Row) that the matcher reads. */
export interface CustodianTrade {
  orderId: string;
  /** '' is read as null. */
  clientOrderId: string | null;
  accountNumber: string;
  symbol: string;
  buySellCode: BuySellCode;
  quantity: string;
  price: string;
  principalAmount: string;
  settlementDate: string;
  tradeDate: string;
}

export interface ConfirmTolerances {
  /** Average price, ± absolute (default '0.005'). */
  price: string;
  /** Principal, ± absolute (default '0.01'). */
  money: string;
}

export const DEFAULT_CONFIRM_TOLERANCES: Readonly<ConfirmTolerances> = Object.freeze({
  price: '0.005',
  money: '0.01',
});

export interface MatchConfirmsInput {
  tradeDate: string;
  ours: OurFill[];
  theirs: CustodianTrade[];
  /** nextSettlementDay(tradeDate) (src/domain/calendar.ts), computed by the caller. */
  expectedSettlementDate: string;
  tolerances?: ConfirmTolerances;
}

export type ConfirmOutcome =
  | 'MATCHED'
  | 'MATCHED_WITHIN_TOLERANCE'
  | 'MISMATCHED'
  | 'UNMATCHED_OURS'
  | 'UNMATCHED_THEIRS'
  | 'CANCELED_AT_CUSTODIAN';

export type ConfirmField =
  | 'quantity'
  | 'price'
  | 'principalAmount'
  | 'settlementDate'
  | 'tradeDate'
  | 'orderId'
  | 'canceledQuantity';

export interface ConfirmDiff {
  field: ConfirmField;
  /** Our value (or what we expected of theirs), as a string. */
  ours: string;
  theirs: string;
}

export interface TheirOrderSummary {
  orderId: string;
  clientOrderId: string | null;
  /** Live B/S rows compared (after reversals). */
  rows: number;
  /** B/S rows reversed by a C/T row, plus C/T rows (each reversal counts both rows). */
  canceledRows: number;
  /** Σ quantity of the live rows (5 dp). */
  qty: string;
  /** Volume-weighted price of the live rows (6 dp, half-even); null when none is live. */
  avgPrice: string | null;
  /** Σ principal of the live rows (at least 2 dp). */
  principalAmount: string;
  /** Distinct settlement dates of the live rows, sorted. */
  settlementDates: string[];
}

export interface ConfirmMatch {
  result: ConfirmOutcome;
  accountNumber: string;
  symbol: string;
  side: Side;
  /** Ours, else the custodian's. */
  clientOrderId: string | null;
  /** The custodian's order id, else ours. */
  custodianOrderId: string | null;
  ours: OurFill | null;
  theirs: TheirOrderSummary | null;
  /** Out-of-tolerance differences: non-empty exactly when the result is MISMATCHED. */
  diffs: ConfirmDiff[];
  /**
   * Differences within tolerance: non-empty on MATCHED_WITHIN_TOLERANCE, also listed on MISMATCHED,
   * empty on MATCHED.
   */
  toleratedDiffs: ConfirmDiff[];
}

export interface ConfirmMatchSummary {
  matched: number;
  matchedWithinTolerance: number;
  mismatched: number;
  unmatchedOurs: number;
  unmatchedTheirs: number;
  canceledAtCustodian: number;
}

export interface MatchConfirmsResult {
  /** Sorted by accountNumber, symbol, side, custodianOrderId, clientOrderId. */
  results: ConfirmMatch[];
  summary: ConfirmMatchSummary;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const SIDE_OF: Readonly<Record<BuySellCode, Side>> = { B: 'BUY', S: 'SELL', C: 'BUY', T: 'SELL' };

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseDec(value: string, what: string, min: 'positive' | 'nonneg'): Dec {
  let d: Dec;
  try {
    d = dec(value);
  } catch {
    throw new Error(`${what} must be a decimal string, got ${JSON.stringify(value)}`);
  }
  if (min === 'positive' ? !d.gt(0) : d.isNeg()) {
    throw new Error(
      `${what} must be ${min === 'positive' ? 'greater than zero' : 'non-negative'}, got ${value}`,
    );
  }
  return d;
}

function parseDate(value: string, what: string): string {
  if (typeof value !== 'string' || !DATE_RE.test(value)) {
    throw new Error(`${what} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return value;
}

const q5 = (d: Dec): string => d.toDecimalPlaces(QTY_DP, Decimal.ROUND_HALF_EVEN).toFixed(QTY_DP);
const px6 = (d: Dec): string => d.toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN).toFixed(6);
/** Money as written: at least 2 dp, never rounded. */
const money = (d: Dec): string => d.toFixed(Math.max(2, d.decimalPlaces()));

interface Row {
  quantity: Dec;
  price: Dec;
  principal: Dec;
  settlementDate: string;
  tradeDate: string;
  cancel: boolean;
  clientOrderId: string | null;
}

interface Group {
  accountNumber: string;
  orderId: string;
  symbol: string;
  side: Side;
  rows: Row[];
  clientOrderIds: Set<string>;
}

/** Canonical row order, so the result never depends on the order of the custodian's rows. */
function cmpRow(a: Row, b: Row): number {
  return (
    a.quantity.cmp(b.quantity) ||
    a.price.cmp(b.price) ||
    a.principal.cmp(b.principal) ||
    cmpStr(a.settlementDate, b.settlementDate) ||
    cmpStr(a.tradeDate, b.tradeDate) ||
    cmpStr(a.clientOrderId ?? '', b.clientOrderId ?? '')
  );
}

/** A group's live execution rows after C/T reversals, and what was canceled. */
function netOfCancels(g: Group): { live: Row[]; canceledRows: number; leftoverCancelQty: Dec } {
  const execs = g.rows.filter((r) => !r.cancel).sort(cmpRow);
  const cancels = g.rows.filter((r) => r.cancel).sort(cmpRow);
  const reversed = new Set<number>();
  const leftover: Row[] = [];
  const free = (k: number, e: Row, c: Row) =>
    !reversed.has(k) && e.quantity.eq(c.quantity) && e.price.eq(c.price);
  const mirrors = (e: Row, c: Row) =>
    e.principal.eq(c.principal) && e.settlementDate === c.settlementDate && e.tradeDate === c.tradeDate;
  // First each cancel that mirrors a row exactly (principal and dates too), then any row of the same
  // quantity and price.
  const open: Row[] = [];
  for (const c of cancels) {
    const i = execs.findIndex((e, k) => free(k, e, c) && mirrors(e, c));
    if (i < 0) open.push(c);
    else reversed.add(i);
  }
  for (const c of open) {
    const i = execs.findIndex((e, k) => free(k, e, c));
    if (i < 0) leftover.push(c);
    else reversed.add(i);
  }
  let live = execs.filter((_, k) => !reversed.has(k));
  let canceledRows = 2 * reversed.size;
  const leftoverCancelQty = leftover.reduce<Dec>((a, c) => a.plus(c.quantity), ZERO);
  // A cancel of the whole order at once (one C/T row for several partial executions).
  if (leftover.length > 0 && live.length > 0) {
    const liveQty = live.reduce<Dec>((a, r) => a.plus(r.quantity), ZERO);
    if (liveQty.eq(leftoverCancelQty)) {
      canceledRows += live.length + leftover.length;
      live = [];
      return { live, canceledRows, leftoverCancelQty: ZERO };
    }
  }
  if (live.length === 0)
    return { live, canceledRows: canceledRows + leftover.length, leftoverCancelQty: ZERO };
  return { live, canceledRows, leftoverCancelQty };
}

/**
 * Matches our filled orders of `tradeDate` against the custodian's trade rows (docs/domain.md §9).
 * One result per pair, per unpaired fill of ours (UNMATCHED_OURS) and per unpaired custodian order
 * (UNMATCHED_THEIRS, or CANCELED_AT_CUSTODIAN when all its executions were reversed), plus counts.
 * Throws an Error on malformed input (bad decimals or dates, a clientOrderId of ours listed twice).
 */
export function matchConfirms(input: MatchConfirmsInput): MatchConfirmsResult {
  const tradeDate = parseDate(input.tradeDate, 'tradeDate');
  const expectedSettle = parseDate(input.expectedSettlementDate, 'expectedSettlementDate');
  const tol = input.tolerances ?? DEFAULT_CONFIRM_TOLERANCES;
  const priceTol = parseDec(tol.price, 'tolerances.price', 'nonneg');
  const moneyTol = parseDec(tol.money, 'tolerances.money', 'nonneg');

  // ------------------------------------------------------------------ ours
  const seenClient = new Set<string>();
  const ours = input.ours.map((o, i) => {
    const what = `ours[${i}]`;
    nonEmpty(o.clientOrderId, `${what}.clientOrderId`);
    if (seenClient.has(o.clientOrderId))
      throw new Error(`clientOrderId ${o.clientOrderId} is listed twice in ours`);
    seenClient.add(o.clientOrderId);
    nonEmpty(o.accountNumber, `${what}.accountNumber`);
    nonEmpty(o.symbol, `${what}.symbol`);
    if (o.side !== 'BUY' && o.side !== 'SELL') throw new Error(`${what}.side must be BUY or SELL`);
    if (o.custodianOrderId !== null && o.custodianOrderId !== undefined) {
      nonEmpty(o.custodianOrderId, `${what}.custodianOrderId`);
    }
    return {
      fill: o,
      symbol: o.symbol.toUpperCase(),
      qty: parseDec(o.qty, `${what}.qty`, 'positive'),
      avgPrice: parseDec(o.avgPrice, `${what}.avgPrice`, 'positive'),
      gross: o.grossAmount === undefined ? null : parseDec(o.grossAmount, `${what}.grossAmount`, 'nonneg'),
    };
  });
  ours.sort((a, b) => cmpStr(a.fill.clientOrderId, b.fill.clientOrderId));

  // ------------------------------------------------------------------ theirs, grouped per order
  const groups = new Map<string, Group>();
  input.theirs.forEach((t, i) => {
    const what = `theirs[${i}]`;
    nonEmpty(t.orderId, `${what}.orderId`);
    nonEmpty(t.accountNumber, `${what}.accountNumber`);
    nonEmpty(t.symbol, `${what}.symbol`);
    const side = Object.hasOwn(SIDE_OF, t.buySellCode) ? SIDE_OF[t.buySellCode] : undefined;
    if (!side)
      throw new Error(`${what}.buySellCode must be B, S, C or T, got ${JSON.stringify(t.buySellCode)}`);
    const symbol = t.symbol.toUpperCase();
    const key = JSON.stringify([t.accountNumber, t.orderId, symbol, side]);
    let g = groups.get(key);
    if (!g) {
      g = {
        accountNumber: t.accountNumber,
        orderId: t.orderId,
        symbol,
        side,
        rows: [],
        clientOrderIds: new Set(),
      };
      groups.set(key, g);
    }
    const clientOrderId = t.clientOrderId === null || t.clientOrderId === '' ? null : t.clientOrderId;
    if (clientOrderId !== null) g.clientOrderIds.add(clientOrderId);
    g.rows.push({
      quantity: parseDec(t.quantity, `${what}.quantity`, 'positive'),
      price: parseDec(t.price, `${what}.price`, 'positive'),
      principal: parseDec(t.principalAmount, `${what}.principalAmount`, 'nonneg'),
      settlementDate: parseDate(t.settlementDate, `${what}.settlementDate`),
      tradeDate: parseDate(t.tradeDate, `${what}.tradeDate`),
      cancel: t.buySellCode === 'C' || t.buySellCode === 'T',
      clientOrderId,
    });
  });
  const groupList = [...groups.values()].sort(
    (a, b) =>
      cmpStr(a.accountNumber, b.accountNumber) ||
      cmpStr(a.orderId, b.orderId) ||
      cmpStr(a.symbol, b.symbol) ||
      cmpStr(a.side, b.side),
  );

  // ------------------------------------------------------------------ pairing (L1)
  type Our = (typeof ours)[number];
  const pairOf = new Map<Our, Group>();
  const paired = new Set<Group>();
  const sameL1 = (o: Our, g: Group) =>
    o.fill.accountNumber === g.accountNumber && o.symbol === g.symbol && o.fill.side === g.side;
  const net = new Map(groupList.map((g) => [g, netOfCancels(g)]));
  const isLive = (g: Group): boolean => net.get(g)!.live.length > 0;
  // Preference: a live order by orderId, by clientOrderId; then a fully canceled one (a rebook under a
  // new orderId pairs with the live rebooked order, and the canceled one is reported on its own).
  const passes = [
    { live: true, byOrderId: true },
    { live: true, byOrderId: false },
    { live: false, byOrderId: true },
    { live: false, byOrderId: false },
  ];
  for (const { live, byOrderId } of passes) {
    for (const o of ours) {
      if (pairOf.has(o)) continue;
      const g = groupList.find(
        (x) =>
          !paired.has(x) &&
          sameL1(o, x) &&
          isLive(x) === live &&
          (byOrderId ? o.fill.custodianOrderId === x.orderId : x.clientOrderIds.has(o.fill.clientOrderId)),
      );
      if (g) {
        pairOf.set(o, g);
        paired.add(g);
      }
    }
  }

  // ------------------------------------------------------------------ matching (L2)
  const results: ConfirmMatch[] = [];

  function summarize(g: Group, live: Row[], canceledRows: number): TheirOrderSummary {
    const qty = live.reduce<Dec>((a, r) => a.plus(r.quantity), ZERO);
    const notional = live.reduce<Dec>((a, r) => a.plus(r.quantity.times(r.price)), ZERO);
    const clientIds = [...g.clientOrderIds].sort(cmpStr);
    return {
      orderId: g.orderId,
      clientOrderId: clientIds[0] ?? null,
      rows: live.length,
      canceledRows,
      qty: q5(qty),
      avgPrice: qty.isZero() ? null : px6(notional.div(qty)),
      principalAmount: money(live.reduce<Dec>((a, r) => a.plus(r.principal), ZERO)),
      settlementDates: [...new Set(live.map((r) => r.settlementDate))].sort(cmpStr),
    };
  }

  for (const o of ours) {
    const g = pairOf.get(o);
    if (!g) {
      results.push({
        result: 'UNMATCHED_OURS',
        accountNumber: o.fill.accountNumber,
        symbol: o.symbol,
        side: o.fill.side,
        clientOrderId: o.fill.clientOrderId,
        custodianOrderId: o.fill.custodianOrderId ?? null,
        ours: o.fill,
        theirs: null,
        diffs: [],
        toleratedDiffs: [],
      });
      continue;
    }
    const { live, canceledRows, leftoverCancelQty } = net.get(g)!;
    const base = {
      accountNumber: o.fill.accountNumber,
      symbol: o.symbol,
      side: o.fill.side,
      clientOrderId: o.fill.clientOrderId,
      custodianOrderId: g.orderId,
      ours: o.fill,
      theirs: summarize(g, live, canceledRows),
    };
    if (live.length === 0) {
      results.push({ result: 'CANCELED_AT_CUSTODIAN', ...base, diffs: [], toleratedDiffs: [] });
      continue;
    }
    const diffs: ConfirmDiff[] = [];
    const tolerated: ConfirmDiff[] = [];

    if (o.fill.custodianOrderId !== null && o.fill.custodianOrderId !== g.orderId) {
      diffs.push({ field: 'orderId', ours: o.fill.custodianOrderId, theirs: g.orderId });
    }
    // Quantity: exact at 5 dp.
    const qty = live.reduce<Dec>((a, r) => a.plus(r.quantity), ZERO);
    if (q5(qty) !== q5(o.qty)) diffs.push({ field: 'quantity', ours: q5(o.qty), theirs: q5(qty) });
    if (!leftoverCancelQty.isZero()) {
      diffs.push({ field: 'canceledQuantity', ours: q5(ZERO), theirs: q5(leftoverCancelQty) });
    }
    // Average price vs the volume-weighted price: equal at 6 dp (the book's scale), else within
    // tolerance when |ours − Σqp/Σq| ≤ tol, tested exactly as |ours·Σq − Σqp| ≤ tol·Σq.
    const notional = live.reduce<Dec>((a, r) => a.plus(r.quantity.times(r.price)), ZERO);
    const priceGap = o.avgPrice.times(qty).minus(notional).abs();
    if (px6(o.avgPrice) !== base.theirs.avgPrice) {
      const d = { field: 'price' as const, ours: o.fill.avgPrice, theirs: base.theirs.avgPrice ?? '' };
      (priceGap.lte(priceTol.times(qty)) ? tolerated : diffs).push(d);
    }
    // Principal: against our gross amount, else each row against its own quantity × price.
    if (o.gross !== null) {
      const principal = live.reduce<Dec>((a, r) => a.plus(r.principal), ZERO);
      const gap = principal.minus(o.gross).abs();
      if (!gap.isZero()) {
        const d = { field: 'principalAmount' as const, ours: money(o.gross), theirs: money(principal) };
        (gap.lte(moneyTol) ? tolerated : diffs).push(d);
      }
    } else {
      for (const r of live) {
        const expected = new Dec(cashStr(r.quantity.times(r.price)));
        const gap = r.principal.minus(expected).abs();
        if (gap.isZero()) continue;
        const d = { field: 'principalAmount' as const, ours: money(expected), theirs: money(r.principal) };
        (gap.lte(moneyTol) ? tolerated : diffs).push(d);
      }
    }
    const badTrade = [...new Set(live.map((r) => r.tradeDate).filter((d) => d !== tradeDate))].sort(cmpStr);
    if (badTrade.length > 0) diffs.push({ field: 'tradeDate', ours: tradeDate, theirs: badTrade.join(',') });
    const badSettle = [
      ...new Set(live.map((r) => r.settlementDate).filter((d) => d !== expectedSettle)),
    ].sort(cmpStr);
    if (badSettle.length > 0)
      diffs.push({ field: 'settlementDate', ours: expectedSettle, theirs: badSettle.join(',') });

    const result: ConfirmOutcome =
      diffs.length > 0 ? 'MISMATCHED' : tolerated.length > 0 ? 'MATCHED_WITHIN_TOLERANCE' : 'MATCHED';
    results.push({ result, ...base, diffs, toleratedDiffs: tolerated });
  }

  for (const g of groupList) {
    if (paired.has(g)) continue;
    const { live, canceledRows } = net.get(g)!;
    const theirs = summarize(g, live, canceledRows);
    results.push({
      result: live.length === 0 ? 'CANCELED_AT_CUSTODIAN' : 'UNMATCHED_THEIRS',
      accountNumber: g.accountNumber,
      symbol: g.symbol,
      side: g.side,
      clientOrderId: theirs.clientOrderId,
      custodianOrderId: g.orderId,
      ours: null,
      theirs,
      diffs: [],
      toleratedDiffs: [],
    });
  }

  results.sort(
    (a, b) =>
      cmpStr(a.accountNumber, b.accountNumber) ||
      cmpStr(a.symbol, b.symbol) ||
      cmpStr(a.side, b.side) ||
      cmpStr(a.custodianOrderId ?? '', b.custodianOrderId ?? '') ||
      cmpStr(a.clientOrderId ?? '', b.clientOrderId ?? ''),
  );
  const summary: ConfirmMatchSummary = {
    matched: 0,
    matchedWithinTolerance: 0,
    mismatched: 0,
    unmatchedOurs: 0,
    unmatchedTheirs: 0,
    canceledAtCustodian: 0,
  };
  for (const r of results) {
    if (r.result === 'MATCHED') summary.matched++;
    else if (r.result === 'MATCHED_WITHIN_TOLERANCE') summary.matchedWithinTolerance++;
    else if (r.result === 'MISMATCHED') summary.mismatched++;
    else if (r.result === 'UNMATCHED_OURS') summary.unmatchedOurs++;
    else if (r.result === 'UNMATCHED_THEIRS') summary.unmatchedTheirs++;
    else summary.canceledAtCustodian++;
  }
  return { results, summary };
}
