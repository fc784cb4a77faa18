/**
 * Block trading: the pre-trade allocation statement, pro-rata allocation of a block's fill, and
 * idempotent application of a child order's executions (docs/domain.md §3.5, §8.2–8.3).
 *
 * Pure and deterministic: no I/O, no clock, no randomness; importable from Temporal workflow code.
 * Quantities and prices are decimal strings in and out; they never pass through a JS number.
 * `allocateProRata` works in exact integers (BigInt) scaled to the inputs' finest decimal place, so the
 * floor, the remainders and their ranking are exact at any size.
 */
import Decimal from 'decimal.js';
import { type Dec, QTY_DP, ZERO, dec } from './money';

export type Side = 'BUY' | 'SELL';

/* ============================================================================ pro-rata allocation */

export interface AllocationRequest {
  accountId: string;
  /** The quantity of the pre-trade allocation statement for this account (> 0, a multiple of `step`). */
  qty: string;
}

export interface AllocationInput {
  /** The block's filled quantity (> 0, at most Σ requested). */
  filledQty: string;
  /** The block's average price; every account gets it (SMC Capital, docs/domain.md §8.2). */
  avgPrice: string;
  /** Quantity step: '0.00001' (Apex precision) or '1' (non-fractionable). Any positive decimal works. */
  step: string;
  requests: AllocationRequest[];
}

export interface Allocation {
  accountId: string;
  /** Allocated quantity, a multiple of the step (may be zero on a small fill). */
  qty: string;
  /** The block's average price, as given. */
  price: string;
}

export interface AllocationResult {
  /** One row per request (zero rows included), sorted by accountId. */
  allocations: Allocation[];
  /**
   * Filled quantity that cannot be placed in whole steps (0 ≤ residue < step): it goes to the
   * average-price / error account. Non-zero only when the fill is not a multiple of the step.
   */
  residue: string;
}

/** Code-unit order: deterministic and locale-independent (never localeCompare). */
function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses a decimal string that must be > 0. */
function positive(value: string, what: string): Dec {
  let d: Dec;
  try {
    d = dec(value);
  } catch {
    throw new Error(`${what} must be a decimal string, got ${JSON.stringify(value)}`);
  }
  if (!d.gt(0)) throw new Error(`${what} must be greater than zero, got ${JSON.stringify(value)}`);
  return d;
}

/** Parses a decimal string that must be ≥ 0. */
function nonNegative(value: string, what: string): Dec {
  let d: Dec;
  try {
    d = dec(value);
  } catch {
    throw new Error(`${what} must be a decimal string, got ${JSON.stringify(value)}`);
  }
  if (d.isNeg()) throw new Error(`${what} must not be negative, got ${JSON.stringify(value)}`);
  return d;
}

/** A non-negative Dec as an integer count of 10^-scale units (`scale` ≥ its decimal places; no rounding). */
function toUnits(d: Dec, scale: number): bigint {
  return BigInt(d.toFixed(scale).replace('.', ''));
}

/** A non-negative integer count of 10^-scale units as a decimal string with `dp` (≥ scale) places. */
function fromUnits(units: bigint, scale: number, dp: number): string {
  const digits = units.toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).padEnd(dp, '0');
  return dp === 0 ? int : `${int}.${frac}`;
}

/** Quantity output: at least the house's 5 dp, more only if an input had more. */
export function qtyOut(d: Dec): string {
  return d.toFixed(Math.max(QTY_DP, d.decimalPlaces()));
}

/**
 * Allocates a (partially) filled block pro rata to its pre-trade allocation statement (docs/domain.md §8.3).
 *
 * - `alloc_i = floor_to_step(fill × req_i / Σreq)`;
 * - the whole steps left over go one each to the accounts with the largest fractional remainder,
 *   ties broken by accountId (ascending, code-unit order);
 * - every account gets the block's average price;
 * - `allocated ≤ requested` per account; `Σ allocations + residue = filled` with `0 ≤ residue < step`;
 * - the result does not depend on the order of `requests`.
 *
 * Throws an Error with a clear message on invalid input: non-decimal or non-positive quantities, price
 * or step, a request that is not a multiple of the step, duplicate or empty account ids, no requests,
 * or a fill above the total requested.
 */
export function allocateProRata(input: AllocationInput): AllocationResult {
  const filled = positive(input.filledQty, 'filledQty');
  positive(input.avgPrice, 'avgPrice');
  const step = positive(input.step, 'step');
  if (!Array.isArray(input.requests) || input.requests.length === 0) {
    throw new Error('requests must list at least one account');
  }
  const seen = new Set<string>();
  const reqs = input.requests.map((r, i) => {
    if (typeof r.accountId !== 'string' || r.accountId === '') {
      throw new Error(`requests[${i}].accountId must be a non-empty string`);
    }
    if (seen.has(r.accountId)) throw new Error(`duplicate accountId in requests: ${r.accountId}`);
    seen.add(r.accountId);
    return { accountId: r.accountId, qty: positive(r.qty, `requests[${i}].qty (account ${r.accountId})`) };
  });

  const scale = Math.max(
    filled.decimalPlaces(),
    step.decimalPlaces(),
    ...reqs.map((r) => r.qty.decimalPlaces()),
  );
  const dp = Math.max(QTY_DP, scale);
  const F = toUnits(filled, scale);
  const S = toUnits(step, scale);
  const R = reqs.map((r, i) => {
    const units = toUnits(r.qty, scale);
    if (units % S !== 0n) {
      throw new Error(
        `requests[${i}].qty (account ${r.accountId}) ${input.requests[i]!.qty} is not a multiple of the step ${input.step}`,
      );
    }
    return units;
  });
  const total = R.reduce((a, b) => a + b, 0n);
  if (F > total) {
    throw new Error(
      `filledQty ${input.filledQty} exceeds the total requested ${fromUnits(total, scale, dp)}: an overfill is a break`,
    );
  }

  // Exact: fill × req_i / Σreq = (base_i + rem_i / (Σreq × step)) steps.
  const denom = total * S;
  const rows = reqs.map((r, i) => {
    const num = F * R[i]!;
    const base = num / denom; // BigInt division truncates: floor for non-negative operands
    return { accountId: r.accountId, requested: R[i]!, alloc: base * S, rem: num - base * denom };
  });
  let left = F - rows.reduce((a, r) => a + r.alloc, 0n);

  // Whole steps left over: one each, largest fractional remainder first, then accountId ascending.
  const ranked = [...rows].sort((a, b) =>
    a.rem === b.rem ? cmpStr(a.accountId, b.accountId) : a.rem > b.rem ? -1 : 1,
  );
  for (const r of ranked) {
    if (left < S) break;
    // Always true when requests are multiples of the step (fill < Σreq ⇒ floor < req); kept as a guard.
    if (r.alloc + S <= r.requested) {
      r.alloc += S;
      left -= S;
    }
  }

  const price = input.avgPrice.trim();
  return {
    allocations: rows
      .sort((a, b) => cmpStr(a.accountId, b.accountId))
      .map((r) => ({ accountId: r.accountId, qty: fromUnits(r.alloc, scale, dp), price })),
    residue: fromUnits(left, scale, dp),
  };
}

/* ============================================================================ blocks from legs */

export interface ApprovedLeg {
  accountId: string;
  proposalId: string;
  legNo: number;
  symbol: string;
  side: Side;
  qty: string;
}

export interface StatementLine {
  accountId: string;
  proposalId: string;
  legNo: number;
  qty: string;
}

export interface Block {
  symbol: string;
  side: Side;
  /** Σ of the statement's quantities. */
  requestedQty: string;
  /** The pre-trade allocation statement: one line per leg, sorted by accountId, proposalId, legNo. */
  statement: StatementLine[];
  /** The statement summed per account (sorted by accountId): the `requests` of `allocateProRata`. */
  requests: AllocationRequest[];
}

/**
 * Groups approved proposal legs into one block per (symbol, side) with its pre-trade allocation
 * statement (docs/domain.md §8.2, SMC Capital). Blocks are sorted by symbol, then side (BUY before SELL);
 * the result does not depend on the order of `legs`. Throws on an invalid leg or a (proposalId, legNo)
 * listed twice.
 */
export function blockFromLegs(legs: ApprovedLeg[]): Block[] {
  const seen = new Set<string>();
  const groups = new Map<string, { symbol: string; side: Side; lines: (StatementLine & { q: Dec })[] }>();
  legs.forEach((l, i) => {
    for (const k of ['accountId', 'proposalId', 'symbol'] as const) {
      if (typeof l[k] !== 'string' || l[k] === '')
        throw new Error(`legs[${i}].${k} must be a non-empty string`);
    }
    if (l.side !== 'BUY' && l.side !== 'SELL') {
      throw new Error(`legs[${i}].side must be BUY or SELL, got ${JSON.stringify(l.side)}`);
    }
    if (!Number.isSafeInteger(l.legNo) || l.legNo < 1) {
      throw new Error(`legs[${i}].legNo must be a positive integer, got ${String(l.legNo)}`);
    }
    const q = positive(l.qty, `legs[${i}].qty (proposal ${l.proposalId} leg ${l.legNo})`);
    const id = JSON.stringify([l.proposalId, l.legNo]);
    if (seen.has(id)) throw new Error(`leg ${l.legNo} of proposal ${l.proposalId} is listed twice`);
    seen.add(id);
    const key = JSON.stringify([l.symbol, l.side]);
    let g = groups.get(key);
    if (!g) {
      g = { symbol: l.symbol, side: l.side, lines: [] };
      groups.set(key, g);
    }
    g.lines.push({ accountId: l.accountId, proposalId: l.proposalId, legNo: l.legNo, qty: qtyOut(q), q });
  });

  return [...groups.values()]
    .sort((a, b) => cmpStr(a.symbol, b.symbol) || cmpStr(a.side, b.side))
    .map((g) => {
      g.lines.sort(
        (a, b) => cmpStr(a.accountId, b.accountId) || cmpStr(a.proposalId, b.proposalId) || a.legNo - b.legNo,
      );
      const perAccount = new Map<string, Dec>();
      for (const l of g.lines) perAccount.set(l.accountId, (perAccount.get(l.accountId) ?? ZERO).plus(l.q));
      return {
        symbol: g.symbol,
        side: g.side,
        requestedQty: qtyOut(g.lines.reduce<Dec>((a, l) => a.plus(l.q), ZERO)),
        statement: g.lines.map(({ accountId, proposalId, legNo, qty }) => ({
          accountId,
          proposalId,
          legNo,
          qty,
        })),
        requests: [...perAccount].map(([accountId, q]) => ({ accountId, qty: qtyOut(q) })),
      };
    });
}

/* ============================================================================ executions */

export type ExecutionState = 'ACTIVE' | 'BUSTED' | 'CORRECTED';

export interface ExecutionMessage {
  /** Idempotency key (FIX ExecID 17 / Apex executionId): each one is applied once. */
  executionId: string;
  /** LastQty: > 0 for a fill; the corrected quantity (≥ 0) for a correction; ignored for a bust. */
  qty: string;
  /** LastPx: > 0 for a fill and a correction; ignored for a bust. */
  price: string;
  /**
   * ACTIVE (default): a fill (ExecType F). BUSTED: a trade cancel (H) of `refExecutionId`.
   * CORRECTED: a trade correct (G) of `refExecutionId`, whose quantity and price it replaces.
   */
  state?: ExecutionState;
  /** ExecRefID (19): required for BUSTED and CORRECTED; may name a fill or an earlier correction. */
  refExecutionId?: string;
}

export interface ExecutionOrder {
  /** OrderQty (38), > 0. */
  qty: string;
  executions: ExecutionMessage[];
}

export interface ExecutionTotals {
  /** Σ quantity of the live (not busted) trades, as corrected. May exceed the order quantity (overfill). */
  cumQty: string;
  /** max(0, qty − cumQty). */
  leavesQty: string;
  /** Σ q·p / Σ q over the live trades, rounded half-even to 6 dp (the book's avg_price scale); null if none. */
  avgPx: string | null;
  /** cumQty > qty: a break (docs/domain.md §8.7), never to be booked silently. */
  overfill: boolean;
  /** Messages whose executionId had already been seen (the first one wins). */
  ignoredDuplicates: number;
  /**
   * Busts and corrections that could not be applied, by their own executionId, sorted: the referenced
   * execution is unknown, or the trade was already busted. These are breaks too.
   */
  unappliedReferences: string[];
}

/** Average price scale of the book (orders.avg_price is numeric(18, 6)). */
export const AVG_PX_DP = 6;

/**
 * Recomputes an order's cumQty, leavesQty and avgPx from its executions only (docs/domain.md §3.5).
 *
 * Each executionId is applied once; later messages with a seen id are ignored and counted. Fills count
 * wherever they appear in the list; busts (H) and corrections (G) are then applied by reference in list
 * order, so a bust that arrives before its fill still applies. A correction replaces the quantity and
 * price of the trade it references (directly or through an earlier correction); a bust removes it.
 * Throws on malformed input (non-decimal or out-of-range values, a missing or self reference).
 */
export function applyExecutions(order: ExecutionOrder): ExecutionTotals {
  const orderQty = positive(order.qty, 'order qty');
  if (!Array.isArray(order.executions)) throw new Error('executions must be an array');

  const seen = new Set<string>();
  let ignoredDuplicates = 0;
  const fills = new Map<string, { q: Dec; p: Dec; live: boolean }>();
  const adjustments: { id: string; ref: string; state: 'BUSTED' | 'CORRECTED'; q: Dec; p: Dec }[] = [];

  order.executions.forEach((e, i) => {
    if (typeof e.executionId !== 'string' || e.executionId === '') {
      throw new Error(`executions[${i}].executionId must be a non-empty string`);
    }
    if (seen.has(e.executionId)) {
      ignoredDuplicates++;
      return;
    }
    seen.add(e.executionId);
    const what = `execution ${e.executionId}`;
    const state = e.state ?? 'ACTIVE';
    if (state === 'ACTIVE') {
      if (e.refExecutionId !== undefined) {
        throw new Error(`${what}: refExecutionId is only for BUSTED and CORRECTED executions`);
      }
      fills.set(e.executionId, {
        q: positive(e.qty, `${what} qty`),
        p: positive(e.price, `${what} price`),
        live: true,
      });
      return;
    }
    if (state !== 'BUSTED' && state !== 'CORRECTED') {
      throw new Error(`${what}: state must be ACTIVE, BUSTED or CORRECTED, got ${JSON.stringify(state)}`);
    }
    if (typeof e.refExecutionId !== 'string' || e.refExecutionId === '') {
      throw new Error(`${what}: a ${state} execution needs refExecutionId (the execution it applies to)`);
    }
    if (e.refExecutionId === e.executionId) throw new Error(`${what}: refers to itself`);
    const q = nonNegative(e.qty, `${what} qty`);
    const p =
      state === 'CORRECTED' ? positive(e.price, `${what} price`) : nonNegative(e.price, `${what} price`);
    adjustments.push({ id: e.executionId, ref: e.refExecutionId, state, q, p });
  });

  // Corrections become aliases of the trade they correct, so a later H/G may reference either id.
  const alias = new Map<string, string>();
  const unapplied: string[] = [];
  for (const a of adjustments) {
    const root = alias.get(a.ref) ?? a.ref;
    const trade = fills.get(root);
    if (!trade || !trade.live) {
      unapplied.push(a.id);
      continue;
    }
    alias.set(a.id, root);
    if (a.state === 'BUSTED') {
      trade.live = false;
    } else {
      trade.q = a.q;
      trade.p = a.p;
    }
  }

  let cum = ZERO;
  let notional = ZERO;
  for (const t of fills.values()) {
    if (!t.live) continue;
    cum = cum.plus(t.q);
    notional = notional.plus(t.q.times(t.p));
  }
  const leaves = orderQty.minus(cum);
  return {
    cumQty: qtyOut(cum),
    leavesQty: qtyOut(leaves.isNeg() ? ZERO : leaves),
    avgPx: cum.isZero()
      ? null
      : notional.div(cum).toDecimalPlaces(AVG_PX_DP, Decimal.ROUND_HALF_EVEN).toFixed(AVG_PX_DP),
    overfill: cum.gt(orderQty),
    ignoredDuplicates,
    unappliedReferences: unapplied.sort(cmpStr),
  };
}
