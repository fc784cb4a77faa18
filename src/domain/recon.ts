/**
 * Reconciliation of the custodian's start-of-day files against the book (docs/domain.md §5).
 * Pure: no I/O, exact decimals (decimal.js) only.
 *
 * What is compared:
 * - positions: the custodian's trade-date quantity (EXT871 TradeQuantity) against the book's
 *   trade-date quantity, exact at 5 dp;
 * - cash: the book's trade-date cash against the custodian's trade-date cash balance (EXT981
 *   CashTradeBalance), ±$0.01, taking pending cash items into account;
 * - cost basis: each open book lot against the custodian's lot (EXT_TAXLOT), quantity exact at
 *   5 dp and cost ±$0.01.
 *
 * Every difference is classified:
 * - TIMING: the difference equals a known pending item (a fill the custodian has not reported
 *   yet, cash activity the book has not posted yet) → auto-resolved, checked again next day;
 * - CORPORATE_ACTION: explained by an EXT235 action (split / reverse split / stock merger
 *   ratio, cash merger, symbol or CUSIP change the book has not applied yet) → the security is held;
 * - SECURITY_MASTER: the custodian used an old CUSIP / symbol or lower-case ids, and our master
 *   (or EXT747) maps them → normalised and auto-resolved;
 * - TRADE: a quantity difference nothing explains (missing or late fill, rebook, DRIP fraction);
 * - CASH: a cash difference nothing explains;
 * - COST_BASIS: a lot whose quantity or cost differs, or that only one side has.
 *
 * Materiality is in USD (quantity difference × closing price, or the cash / cost difference);
 * anything above $25,000 is escalated. What a break holds is policy (see DEFAULT_RECON_POLICY).
 */
import Decimal from 'decimal.js';
import { tradingDaysBetween } from './calendar';
import { Dec, ZERO, cashStr, dec, qtyStr, sum } from './money';

export const BREAK_TYPES = ['POSITION', 'CASH', 'COST_BASIS'] as const;
export type BreakType = (typeof BREAK_TYPES)[number];

export const BREAK_CATEGORIES = [
  'TIMING',
  'CORPORATE_ACTION',
  'SECURITY_MASTER',
  'TRADE',
  'CASH',
  'COST_BASIS',
  'SETTLEMENT',
] as const;
export type BreakCategory = (typeof BREAK_CATEGORIES)[number];

/** Lifecycle: OPEN → INVESTIGATING → (RESOLVED_AUTO | RESOLVED_MANUAL | WRITTEN_OFF). */
export const BREAK_STATUSES = [
  'OPEN',
  'INVESTIGATING',
  'RESOLVED_AUTO',
  'RESOLVED_MANUAL',
  'WRITTEN_OFF',
] as const;
export type BreakStatus = (typeof BREAK_STATUSES)[number];
/** Statuses of a break that still holds something. */
export const UNRESOLVED_STATUSES: readonly BreakStatus[] = ['OPEN', 'INVESTIGATING'];

/**
 * What an unresolved break holds: the whole account, one security of the account, the sale of one
 * security (shares bought that have not settled: a SETTLEMENT break), or nothing.
 */
export const HOLDS = ['ACCOUNT', 'SECURITY', 'NO_SELL', 'NONE'] as const;
export type Hold = (typeof HOLDS)[number];

export const AGE_BUCKETS = ['0', '1', '2-5', '>5'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

export interface ReconPolicy {
  /** Cash tolerance in USD (±). */
  cashTolerance: string;
  /** Cost-basis tolerance per lot in USD (±). */
  lotCostTolerance: string;
  /** Breaks with a materiality above this (USD) are escalated (resolved the same day). */
  escalateAboveUsd: string;
  /** What an unresolved break of each category holds. */
  holds: Record<BreakCategory, Hold>;
  /** Categories resolved automatically (RESOLVED_AUTO) when found. */
  autoResolve: readonly BreakCategory[];
  /** An escalated break that is not auto-resolved holds the whole account (default: no, it is flagged). */
  escalatedHoldsAccount: boolean;
  /** At most this many pending items are combined when looking for the ones that explain a difference. */
  maxPendingItems: number;
  /**
   * A lot file without a single row for the account does not cover the account: its cost basis
   * is not checked (rather than every lot of the account being a break).
   */
  skipLotsOfUncoveredAccount: boolean;
}

/**
 * Defaults. A quantity difference nothing explains (TRADE) holds the whole account: its cause,
 * and with it its effect on cash and on the account's value, is unknown until someone looks.
 * An explained one (a corporate action the book has not applied yet) and a cost-basis difference
 * hold just that security (docs/domain.md §5.4: no trading in that security for that account).
 * A cash difference holds the account: every trade would be sized on cash we cannot trust.
 * Escalation (materiality above $25,000) flags a break for same-day resolution; it does not
 * change what the break holds unless `escalatedHoldsAccount` says so.
 */
export const DEFAULT_RECON_POLICY: ReconPolicy = {
  cashTolerance: '0.01',
  lotCostTolerance: '0.01',
  escalateAboveUsd: '25000',
  holds: {
    TIMING: 'NONE',
    SECURITY_MASTER: 'NONE',
    CORPORATE_ACTION: 'SECURITY',
    COST_BASIS: 'SECURITY',
    TRADE: 'ACCOUNT',
    CASH: 'ACCOUNT',
    // Written by the settlement check (src/activities/sync/settlement.ts), not by reconcile().
    SETTLEMENT: 'NONE',
  },
  autoResolve: ['TIMING', 'SECURITY_MASTER'],
  escalatedHoldsAccount: false,
  maxPendingItems: 12,
  skipLotsOfUncoveredAccount: true,
};

/* ------------------------------------------------------------------ inputs */

export interface BookSecurity {
  symbol: string;
  cusip: string;
  cusipOld?: string | null;
}

export interface BookPosition {
  symbol: string;
  /** Trade-date quantity. */
  qty: string;
}

export interface BookLot {
  lotId: string;
  symbol: string;
  openDate: string;
  qty: string;
  unitCost: string;
}

export interface CustodianPosition {
  symbol: string;
  cusip: string;
  tradeQty: string;
  settleQty?: string;
  closingPrice: string;
}

export interface CustodianLot {
  lotId: string;
  symbol: string;
  cusip: string;
  openTradeDate: string;
  qty: string;
  totalCost: string;
  adjustedCost?: string;
  washSaleAdj?: string;
}

/** An EXT235 row. StockFactor = new shares per old share; CashFactor = cash per old share. */
export interface CorporateActionRow {
  action: 'SPLIT' | 'REVERSE_SPLIT' | 'CASH_MERGER' | 'STOCK_MERGER' | 'SYMBOL_CHANGE' | 'CUSIP_CHANGE';
  cusip: string;
  cusipOld: string | null;
  symbol: string;
  symbolOld: string | null;
  stockFactor: string | null;
  cashFactor: string | null;
  processDate: string;
}

/** An EXT747 row: the custodian's security master. */
export interface SecurityMasterRow {
  cusip: string;
  symbol: string;
  oldCusip: string | null;
}

/** A position movement one side has and the other not yet. qty = custodian − book it explains. */
export interface PendingPosition {
  symbol: string;
  qty: string;
  ref: string;
  what: string;
}

/** A cash movement one side has and the other not yet. amount = custodian − book it explains. */
export interface PendingCash {
  amount: string;
  ref: string;
  what: string;
}

/** A lot one side has and the other not yet (e.g. opened by a fill the custodian has not reported). */
export interface PendingLot {
  lotId: string;
  ref: string;
  what: string;
}

export interface ReconInput {
  /** The trade date reconciled (the files' process date). */
  asOf: string;
  book: { positions: BookPosition[]; cash: string; lots: BookLot[] };
  custodian: {
    positions: CustodianPosition[];
    /** EXT981 CashTradeBalance; null when there is no balance file: cash is not checked. */
    cash: string | null;
    /**
     * The account's EXT_TAXLOT rows; null when there is no lot file: cost basis is not checked
     * (nor, by default, when the file has no row for the account).
     */
    lots: CustodianLot[] | null;
  };
  /** Our security master. */
  securities: BookSecurity[];
  /** The custodian's security master (EXT747), if any. */
  securityMaster?: SecurityMasterRow[];
  /** Corporate actions (EXT235) recent enough to explain a difference. */
  corporateActions?: CorporateActionRow[];
  pending?: { positions?: PendingPosition[]; cash?: PendingCash[]; lots?: PendingLot[] };
  /** Fallback closing prices by (book) symbol, for materiality when the custodian gives none. */
  prices?: Record<string, string>;
  policy?: Partial<ReconPolicy>;
}

/* ------------------------------------------------------------------ output */

export interface FoundBreak {
  type: BreakType;
  category: BreakCategory;
  /** Identifies the break within the account and type: the symbol, 'USD', or the lot id. */
  key: string;
  /** Our symbol (null for cash). */
  symbol: string | null;
  ours: string;
  theirs: string;
  /** theirs − ours (quantity for positions, USD for cash and cost basis). */
  diff: string;
  materialityUsd: string;
  escalate: boolean;
  cause: string;
  autoResolve: boolean;
  hold: Hold;
}

export interface ReconResult {
  breaks: FoundBreak[];
  checked: { positions: number; cash: boolean; lots: number | null };
}

/* ------------------------------------------------------------------ helpers */

const norm = (s: string | null | undefined): string => (s ?? '').trim().toUpperCase();

function qty5(s: string | Dec): Dec {
  return dec(s).toDecimalPlaces(5, Decimal.ROUND_HALF_EVEN) as Dec;
}

/** The trading days from `firstSeen` to `asOf` (0 on the day it was first seen). */
export function ageInTradingDays(firstSeen: string, asOf: string): number {
  if (asOf <= firstSeen) return 0;
  return Math.max(0, tradingDaysBetween(firstSeen, asOf).length - 1);
}

export function ageBucket(days: number): AgeBucket {
  if (days <= 0) return '0';
  if (days === 1) return '1';
  if (days <= 5) return '2-5';
  return '>5';
}

/**
 * The smallest set of items (at most `max`, tried smallest first) whose amounts add up to
 * `target` within `tol`; undefined when none does.
 */
export function explainingItems<T>(
  items: readonly T[],
  amountOf: (t: T) => Dec,
  target: Dec,
  tol: Dec,
  max: number,
): T[] | undefined {
  const list = items.slice(0, Math.max(0, Math.min(max, 20)));
  const n = list.length;
  let best: T[] | undefined;
  for (let mask = 1; mask < 1 << n; mask++) {
    const chosen = list.filter((_, i) => (mask >> i) & 1);
    if (best && chosen.length >= best.length) continue;
    if (sum(chosen.map(amountOf)).minus(target).abs().lte(tol)) best = chosen;
  }
  return best;
}

function describeFactor(f: Dec): string {
  return f.gte(1) ? `${f.toString()}-for-1` : `1-for-${new Dec(1).div(f).toDecimalPlaces(4).toString()}`;
}

/* ------------------------------------------------------------------ identifiers */

interface IdIssue {
  category: 'SECURITY_MASTER' | 'CORPORATE_ACTION';
  cause: string;
}

interface Resolved {
  symbol: string;
  issue?: IdIssue;
}

/** Maps the custodian's (symbol, CUSIP) to our symbol, saying how when it was not a plain match. */
class IdResolver {
  private readonly bySymbol = new Map<string, BookSecurity>();
  private readonly byCusip = new Map<string, BookSecurity>();
  private readonly byOldCusip = new Map<string, BookSecurity>();
  /** EXT747: old CUSIP → current CUSIP. */
  private readonly masterOld = new Map<string, string>();
  private readonly masterSymbol = new Map<string, string>();

  constructor(
    securities: readonly BookSecurity[],
    master: readonly SecurityMasterRow[],
    private readonly actions: readonly CorporateActionRow[],
  ) {
    for (const s of securities) {
      this.bySymbol.set(norm(s.symbol), s);
      this.byCusip.set(norm(s.cusip), s);
      if (s.cusipOld) this.byOldCusip.set(norm(s.cusipOld), s);
    }
    for (const m of master) {
      if (m.oldCusip) this.masterOld.set(norm(m.oldCusip), norm(m.cusip));
      this.masterSymbol.set(norm(m.cusip), norm(m.symbol));
    }
  }

  cusipOf(symbol: string): string | undefined {
    const s = this.bySymbol.get(norm(symbol));
    return s ? norm(s.cusip) : undefined;
  }

  resolve(rawSymbol: string, rawCusip: string): Resolved {
    const symbol = norm(rawSymbol);
    const cusip = norm(rawCusip);
    const caseNote =
      rawSymbol.trim() !== symbol || rawCusip.trim() !== cusip
        ? `lower-case ids ${rawSymbol.trim()}/${rawCusip.trim()} normalised`
        : undefined;
    const withCase = (r: Resolved): Resolved =>
      caseNote && !r.issue ? { ...r, issue: { category: 'SECURITY_MASTER', cause: caseNote } } : r;

    const bySym = this.bySymbol.get(symbol);
    if (bySym && norm(bySym.cusip) === cusip) return withCase({ symbol: bySym.symbol });

    // A symbol or CUSIP change the custodian has applied and the book not yet (EXT235).
    for (const a of this.actions) {
      if (a.action === 'SYMBOL_CHANGE' && norm(a.symbol) === symbol && a.symbolOld) {
        const ours = this.bySymbol.get(norm(a.symbolOld));
        if (ours && (norm(ours.cusip) === cusip || norm(a.cusip) === cusip))
          return {
            symbol: ours.symbol,
            issue: {
              category: 'CORPORATE_ACTION',
              cause: `symbol change ${a.symbolOld} → ${a.symbol} (EXT235 ${a.processDate}) not applied to the book`,
            },
          };
      }
      if (
        (a.action === 'CUSIP_CHANGE' || a.action === 'STOCK_MERGER') &&
        norm(a.cusip) === cusip &&
        a.cusipOld
      ) {
        const ours = this.byCusip.get(norm(a.cusipOld)) ?? this.bySymbol.get(norm(a.symbolOld ?? a.symbol));
        if (ours)
          return {
            symbol: ours.symbol,
            issue: {
              category: 'CORPORATE_ACTION',
              cause: `${a.action === 'CUSIP_CHANGE' ? 'CUSIP change' : 'stock merger'} ${a.cusipOld} → ${a.cusip} (EXT235 ${a.processDate}) not applied to the book`,
            },
          };
      }
    }

    // The custodian used an old CUSIP that our master or theirs (EXT747) maps.
    const viaOld = this.byOldCusip.get(cusip) ?? this.byCusip.get(this.masterOld.get(cusip) ?? '');
    if (viaOld)
      return {
        symbol: viaOld.symbol,
        issue: {
          category: 'SECURITY_MASTER',
          cause: `old CUSIP ${cusip} mapped to ${viaOld.cusip} (${viaOld.symbol})${caseNote ? `; ${caseNote}` : ''}`,
        },
      };
    // Same CUSIP, another symbol (an old symbol): the CUSIP decides.
    const byCusip = this.byCusip.get(cusip);
    if (byCusip)
      return {
        symbol: byCusip.symbol,
        issue: {
          category: 'SECURITY_MASTER',
          cause: `symbol ${symbol} mapped to ${byCusip.symbol} by CUSIP ${cusip}${caseNote ? `; ${caseNote}` : ''}`,
        },
      };
    // Same symbol, a CUSIP we do not know.
    if (bySym)
      return {
        symbol: bySym.symbol,
        issue: {
          category: 'SECURITY_MASTER',
          cause: `CUSIP ${cusip} is not ${bySym.symbol}'s (${bySym.cusip}); matched on symbol${caseNote ? `; ${caseNote}` : ''}`,
        },
      };
    return { symbol: this.masterSymbol.get(cusip) ?? symbol };
  }

  /** Stock actions (split, reverse split, stock merger) and cash mergers about our security. */
  actionsFor(symbol: string): CorporateActionRow[] {
    const s = this.bySymbol.get(norm(symbol));
    const cusip = s ? norm(s.cusip) : undefined;
    return this.actions.filter(
      (a) =>
        norm(a.symbol) === norm(symbol) ||
        norm(a.symbolOld) === norm(symbol) ||
        (cusip !== undefined && (norm(a.cusip) === cusip || norm(a.cusipOld) === cusip)),
    );
  }
}

/** The stock factor that turns `ours` into `theirs`, if an action of the security has one. */
function stockActionExplaining(
  actions: readonly CorporateActionRow[],
  ours: Dec,
  theirs: Dec,
): CorporateActionRow | undefined {
  return actions.find((a) => {
    if (!(a.action === 'SPLIT' || a.action === 'REVERSE_SPLIT' || a.action === 'STOCK_MERGER')) return false;
    if (!a.stockFactor) return false;
    const exact = ours.times(dec(a.stockFactor));
    // Whole new shares with cash in lieu of the fraction, or the fractional result at 5 dp.
    return (
      qty5(exact).eq(theirs) ||
      exact.toDecimalPlaces(5, Decimal.ROUND_DOWN).eq(theirs) ||
      exact.floor().eq(theirs)
    );
  });
}

/* ------------------------------------------------------------------ reconcile */

export function reconcile(input: ReconInput): ReconResult {
  const policy: ReconPolicy = { ...DEFAULT_RECON_POLICY, ...input.policy };
  const escalateAbove = dec(policy.escalateAboveUsd);
  const actions = input.corporateActions ?? [];
  const ids = new IdResolver(input.securities, input.securityMaster ?? [], actions);
  const breaks: FoundBreak[] = [];

  const add = (
    b: Omit<FoundBreak, 'escalate' | 'autoResolve' | 'hold' | 'materialityUsd'> & { materiality: Dec },
  ) => {
    const autoResolve = policy.autoResolve.includes(b.category);
    const materiality = b.materiality.abs();
    const escalate = materiality.gt(escalateAbove);
    let hold: Hold = autoResolve ? 'NONE' : policy.holds[b.category];
    if (!autoResolve && escalate && policy.escalatedHoldsAccount) hold = 'ACCOUNT';
    const { materiality: _m, ...rest } = b;
    breaks.push({ ...rest, materialityUsd: cashStr(materiality), escalate, autoResolve, hold });
  };

  // ---------------------------------------------------------------- positions
  interface Theirs {
    qty: Dec;
    price?: Dec;
    issues: IdIssue[];
  }
  const theirs = new Map<string, Theirs>();
  for (const p of input.custodian.positions) {
    const r = ids.resolve(p.symbol, p.cusip);
    const t = theirs.get(r.symbol) ?? { qty: ZERO, issues: [] };
    t.qty = t.qty.plus(dec(p.tradeQty));
    t.price ??= dec(p.closingPrice);
    if (r.issue) t.issues.push(r.issue);
    theirs.set(r.symbol, t);
  }
  const ours = new Map<string, Dec>();
  for (const p of input.book.positions) ours.set(p.symbol, (ours.get(p.symbol) ?? ZERO).plus(dec(p.qty)));
  const priceOf = (symbol: string): Dec => {
    const t = theirs.get(symbol)?.price;
    if (t?.gt(0)) return t;
    const p = input.prices?.[symbol];
    return p ? dec(p) : ZERO;
  };
  const pendingPositions = input.pending?.positions ?? [];
  const symbols = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  for (const symbol of symbols) {
    const o = qty5(ours.get(symbol) ?? ZERO);
    const t = theirs.get(symbol);
    const tq = qty5(t?.qty ?? ZERO);
    const d = tq.minus(o);
    const issues = t?.issues ?? [];
    const idNote = issues.length ? `; ${issues.map((i) => i.cause).join('; ')}` : '';
    const base = { type: 'POSITION' as const, key: symbol, symbol, ours: qtyStr(o), theirs: qtyStr(tq) };
    if (d.isZero()) {
      if (issues.length === 0) continue;
      const ca = issues.find((i) => i.category === 'CORPORATE_ACTION');
      const issue = ca ?? issues[0]!;
      add({
        ...base,
        category: issue.category,
        diff: qtyStr(ZERO),
        materiality: ZERO,
        cause: issues.map((i) => i.cause).join('; '),
      });
      continue;
    }
    const px = priceOf(symbol);
    const materiality = d.abs().times(px);
    const more = d.gt(0) ? `custodian holds ${qtyStr(d)} more` : `custodian holds ${qtyStr(d.neg())} fewer`;
    const stock = stockActionExplaining(ids.actionsFor(symbol), o, tq);
    if (stock) {
      add({
        ...base,
        category: 'CORPORATE_ACTION',
        diff: qtyStr(d),
        materiality,
        cause: `${stock.action} ${describeFactor(dec(stock.stockFactor!))} (EXT235 ${stock.processDate}) not applied to the book: ${qtyStr(o)} × ${stock.stockFactor} = ${qtyStr(tq)}${idNote}`,
      });
      continue;
    }
    const cashMerger = ids.actionsFor(symbol).find((a) => a.action === 'CASH_MERGER');
    if (cashMerger && tq.isZero() && o.gt(0)) {
      add({
        ...base,
        category: 'CORPORATE_ACTION',
        diff: qtyStr(d),
        materiality,
        cause: `CASH_MERGER at ${cashMerger.cashFactor} per share (EXT235 ${cashMerger.processDate}) not applied to the book${idNote}`,
      });
      continue;
    }
    const items = explainingItems(
      pendingPositions.filter((p) => norm(p.symbol) === norm(symbol)),
      (p) => dec(p.qty),
      d,
      ZERO,
      policy.maxPendingItems,
    );
    if (items) {
      add({
        ...base,
        category: 'TIMING',
        diff: qtyStr(d),
        materiality,
        cause: `${more}: pending ${items.map((i) => `${i.what} (${i.ref})`).join(', ')}; re-checked next day${idNote}`,
      });
      continue;
    }
    add({
      ...base,
      category: 'TRADE',
      diff: qtyStr(d),
      materiality,
      cause: `${more}; no pending item, corporate action or id mapping explains it${idNote}`,
    });
  }

  // ---------------------------------------------------------------- cash
  const cashChecked = input.custodian.cash !== null;
  if (input.custodian.cash !== null) {
    const tol = dec(policy.cashTolerance);
    const o = dec(input.book.cash);
    const t = dec(input.custodian.cash);
    const d = t.minus(o);
    if (d.abs().gt(tol)) {
      const base = {
        type: 'CASH' as const,
        key: 'USD',
        symbol: null,
        ours: cashStr(o),
        theirs: cashStr(t),
        diff: cashStr(d),
        materiality: d,
      };
      const pending = input.pending?.cash ?? [];
      const items = explainingItems(pending, (p) => dec(p.amount), d, tol, policy.maxPendingItems);
      // Cash mergers: cash per share × the book's shares.
      const mergers = [...ours.entries()].flatMap(([symbol, q]) =>
        ids
          .actionsFor(symbol)
          .filter((a) => a.action === 'CASH_MERGER' && a.cashFactor !== null)
          .map((a) => ({ symbol, a, amount: q.times(dec(a.cashFactor!)) })),
      );
      const merger = mergers.find((m) => m.amount.minus(d).abs().lte(tol));
      if (items) {
        add({
          ...base,
          category: 'TIMING',
          cause: `custodian cash ${d.gt(0) ? 'higher' : 'lower'} by ${cashStr(d.abs())}: pending ${items.map((i) => `${i.what} ${i.amount} (${i.ref})`).join(', ')}; re-checked next day`,
        });
      } else if (merger) {
        add({
          ...base,
          category: 'CORPORATE_ACTION',
          cause: `cash merger of ${merger.symbol} at ${merger.a.cashFactor} per share (EXT235 ${merger.a.processDate}) not applied to the book`,
        });
      } else {
        const flipped = pending.find((p) => dec(p.amount).neg().minus(d).abs().lte(tol));
        add({
          ...base,
          category: 'CASH',
          cause:
            `custodian cash ${d.gt(0) ? 'higher' : 'lower'} by ${cashStr(d.abs())}; no pending item explains it` +
            (flipped
              ? `; equals ${flipped.what} (${flipped.ref}) with the sign flipped: sign convention?`
              : ''),
        });
      }
    }
  }

  // ---------------------------------------------------------------- cost basis
  let lotsChecked: number | null = null;
  const uncovered = input.custodian.lots?.length === 0 && policy.skipLotsOfUncoveredAccount;
  if (input.custodian.lots !== null && !uncovered) {
    const tol = dec(policy.lotCostTolerance);
    const bookLots = input.book.lots.filter((l) => dec(l.qty).gt(0));
    lotsChecked = bookLots.length;
    const theirLots = input.custodian.lots.map((l) => ({
      ...l,
      symbol: ids.resolve(l.symbol, l.cusip).symbol,
    }));
    const used = new Set<number>();
    const pendingLots = new Map((input.pending?.lots ?? []).map((p) => [norm(p.lotId), p]));
    const pairs: { ours: BookLot; theirs: (typeof theirLots)[number] | undefined }[] = [];
    for (const l of bookLots) {
      const i = theirLots.findIndex((t, k) => !used.has(k) && norm(t.lotId) === norm(l.lotId));
      if (i >= 0) used.add(i);
      pairs.push({ ours: l, theirs: i >= 0 ? theirLots[i] : undefined });
    }
    // Lots with other ids: the same security, open date and quantity (or the split quantity).
    for (const p of pairs) {
      if (p.theirs) continue;
      const o = qty5(p.ours.qty);
      const acts = ids.actionsFor(p.ours.symbol);
      const i = theirLots.findIndex(
        (t, k) =>
          !used.has(k) &&
          t.symbol === p.ours.symbol &&
          t.openTradeDate === p.ours.openDate &&
          (qty5(t.qty).eq(o) || stockActionExplaining(acts, o, qty5(t.qty)) !== undefined),
      );
      if (i >= 0) {
        used.add(i);
        p.theirs = theirLots[i];
      }
    }
    // Lots split differently on each side (one lot per execution there, one per order here): the
    // remaining lots of a security opened the same day match when their totals do.
    const groupKey = (symbol: string, date: string) => `${symbol}|${date}`;
    const leftOurs = new Map<string, BookLot[]>();
    for (const p of pairs) {
      if (p.theirs) continue;
      const k = groupKey(p.ours.symbol, p.ours.openDate);
      leftOurs.set(k, [...(leftOurs.get(k) ?? []), p.ours]);
    }
    const matchedAsGroup = new Set<BookLot>();
    for (const [k, group] of leftOurs) {
      const idx = theirLots
        .map((t, i) => ({ t, i }))
        .filter(({ t, i }) => !used.has(i) && groupKey(t.symbol, t.openTradeDate) === k);
      if (idx.length === 0) continue;
      const oq = sum(group.map((l) => qty5(l.qty)));
      const oc = sum(group.map((l) => dec(cashStr(qty5(l.qty).times(dec(l.unitCost))))));
      const tq = sum(idx.map(({ t }) => qty5(t.qty)));
      const tc = sum(idx.map(({ t }) => dec(t.totalCost)));
      const groupTol = tol.times(Math.max(group.length, idx.length));
      if (oq.eq(tq) && oc.minus(tc).abs().lte(groupTol)) {
        for (const l of group) matchedAsGroup.add(l);
        for (const { i } of idx) used.add(i);
      }
    }
    for (const { ours: l, theirs: t } of pairs) {
      if (!t && matchedAsGroup.has(l)) continue;
      const oq = qty5(l.qty);
      const oc = dec(cashStr(oq.times(dec(l.unitCost))));
      const px = priceOf(l.symbol);
      const base = { type: 'COST_BASIS' as const, key: l.lotId, symbol: l.symbol };
      if (!t) {
        const pending = pendingLots.get(norm(l.lotId));
        add({
          ...base,
          category: pending ? 'TIMING' : 'COST_BASIS',
          ours: `${qtyStr(oq)} / ${cashStr(oc)}`,
          theirs: 'none',
          diff: cashStr(oc.neg()),
          materiality: oc,
          cause: pending
            ? `lot opened by ${pending.what} (${pending.ref}) not at the custodian yet; re-checked next day`
            : `lot ${l.lotId} (${l.symbol}, opened ${l.openDate}) is not in the custodian's lot file`,
        });
        continue;
      }
      const tq = qty5(t.qty);
      const tc = dec(t.totalCost);
      const dc = tc.minus(oc);
      const sameQty = tq.eq(oq);
      if (sameQty && dc.abs().lte(tol)) continue;
      const shown = {
        ours: `${qtyStr(oq)} / ${cashStr(oc)}`,
        theirs: `${qtyStr(tq)} / ${cashStr(tc)}`,
        diff: cashStr(dc),
      };
      const stock = sameQty ? undefined : stockActionExplaining(ids.actionsFor(l.symbol), oq, tq);
      if (stock && dc.abs().lte(tol)) {
        add({
          ...base,
          ...shown,
          category: 'CORPORATE_ACTION',
          materiality: ZERO,
          cause: `${stock.action} ${describeFactor(dec(stock.stockFactor!))} (EXT235 ${stock.processDate}): custodian lot ${t.lotId} has ${qtyStr(tq)} shares for the same cost; book not adjusted`,
        });
        continue;
      }
      const why: string[] = [];
      if (!sameQty) why.push(`quantity ${qtyStr(oq)} vs ${qtyStr(tq)}`);
      if (dc.abs().gt(tol)) why.push(`cost differs by ${cashStr(dc)}`);
      const wash = t.washSaleAdj ? dec(t.washSaleAdj) : ZERO;
      if (wash.gt(0) && t.adjustedCost && dec(t.adjustedCost).minus(oc).abs().lte(tol))
        why.push(
          `the book matches the custodian's adjusted cost: a wash-sale adjustment of ${cashStr(wash)}?`,
        );
      else if (wash.gt(0) && dc.abs().minus(wash).abs().lte(tol))
        why.push(`equals the custodian's wash-sale adjustment ${cashStr(wash)}`);
      add({
        ...base,
        ...shown,
        category: 'COST_BASIS',
        materiality: sameQty ? dc : (Decimal.max(dc.abs(), tq.minus(oq).abs().times(px)) as Dec),
        cause: `lot ${l.lotId}${t.lotId !== l.lotId ? ` (custodian ${t.lotId})` : ''}: ${why.join('; ')}`,
      });
    }
    theirLots.forEach((t, k) => {
      if (used.has(k)) return;
      const tq = qty5(t.qty);
      const tc = dec(t.totalCost);
      const pending = pendingLots.get(norm(t.lotId));
      add({
        type: 'COST_BASIS',
        key: t.lotId,
        symbol: t.symbol,
        category: pending ? 'TIMING' : 'COST_BASIS',
        ours: 'none',
        theirs: `${qtyStr(tq)} / ${cashStr(tc)}`,
        diff: cashStr(tc),
        materiality: tc,
        cause: pending
          ? `custodian lot from ${pending.what} (${pending.ref}) not in the book yet; re-checked next day`
          : `custodian lot ${t.lotId} (${t.symbol}, opened ${t.openTradeDate}) is unknown to the book`,
      });
    });
  }

  return { breaks, checked: { positions: symbols.length, cash: cashChecked, lots: lotsChecked } };
}
