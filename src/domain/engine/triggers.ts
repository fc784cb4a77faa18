/**
 * Triggers: DRIFT, CASH_IN, CASH_OUT, MODEL_CHANGE, TLH, SWAP_BACK and ESG start a rebalance; BLOCKED
 * and RESTRICTION are reported. Also decides the mode (FULL or TO_BAND) and records it on the context.
 */
import type { PlanContext } from './context';
import { pct, reason, usd, w } from './explain';
import { type Fx, ZERO as ZERO_ } from './fx';
import type { ForcedKind } from './plan-state';
import type { DriftRow } from './types';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ZERO = ZERO_;

/**
 * Records the triggers' reasons in order (drift, blocked sleeves, cash in/out, model change, forced
 * sells, restrictions, mode) and sets the context's flags; returns how many triggers fired.
 */
export function detectTriggers(ctx: PlanContext, rows: DriftRow[]): number {
  let n = driftTrigger(ctx, rows);
  reportBlocked(ctx);
  const cTarget = ctx.cfg.cashTarget.times(ctx.netValue);
  const excess = ctx.cash.minus(ctx.withdrawal).minus(cTarget);
  n += cashTriggers(ctx, cTarget, excess);
  n += modelChangeTrigger(ctx);
  n += forcedSellTriggers(ctx);
  reportRestrictions(ctx, n);
  chooseMode(ctx, excess, n);
  return n;
}

function driftTrigger(ctx: PlanContext, rows: DriftRow[]): number {
  const breached = rows.filter((r, i) => r.breached && !ctx.sleeves[i]!.frozen).map((r) => r.symbol);
  if (breached.length === 0) return 0;
  ctx.reasons.push(
    reason('DRIFT', `${breached.length} sleeve(s) outside their bands: ${breached.join(', ')}`, {
      breached,
      bandRule: ctx.cfg.bandRule,
      maxAbsDev: maxAbsDev(ctx),
    }),
  );
  return 1;
}

function reportBlocked(ctx: PlanContext): void {
  const frozen = ctx.sleeves.filter((s) => s.frozen).map((s) => s.sleeve.key);
  if (frozen.length > 0) {
    ctx.reasons.push(
      reason('BLOCKED', `Not trading ${frozen.join(', ')}: open reconciliation break`, {
        sleeves: frozen,
        blockedSymbols: [...ctx.book.blocked].sort(),
      }),
    );
  }
}

/**
 * CASH_IN (cash above target by more than the threshold) and CASH_OUT (a withdrawal not covered with
 * the buffer, or a debit balance).
 */
function cashTriggers(ctx: PlanContext, cTarget: Fx, excess: Fx): number {
  let n = 0;
  const tol = ctx.cfg.investExcessThreshold.times(ctx.netValue);
  if (ctx.netValue.isPos() && excess.gt(tol)) {
    n++;
    ctx.cashIn = true;
    ctx.reasons.push(
      reason(
        'CASH_IN',
        `Cash ${usd(ctx.cash)} is ${usd(excess)} above the ${pct(ctx.cfg.cashTarget)} target`,
        {
          cash: usd(ctx.cash),
          cashTarget: usd(cTarget),
          excess: usd(excess),
          threshold: usd(tol),
        },
      ),
    );
  }
  // A debit balance (cash below zero: money left the account that the book did not send, e.g. an
  // ACH pulled at the custodian after the book had invested the cash) is raised like a withdrawal.
  const debit = ctx.cash.isNeg();
  if (ctx.withdrawal.isPos() || debit) {
    ctx.hardRaise = ctx.cash.lt(ctx.withdrawal);
    if (ctx.hardRaise || excess.neg().gt(tol)) {
      n++;
      ctx.cashOut = true;
      const need = ctx.withdrawal.plus(cTarget).minus(ctx.cash);
      const what = ctx.withdrawal.isPos()
        ? `for a ${usd(ctx.withdrawal)} withdrawal${debit ? `, a ${usd(ctx.cash.neg())} debit balance` : ''}`
        : `to cover a ${usd(ctx.cash.neg())} debit balance`;
      ctx.reasons.push(
        reason('CASH_OUT', `Raise ${usd(need)} ${what} and the cash buffer`, {
          withdrawal: usd(ctx.withdrawal),
          cash: usd(ctx.cash),
          raise: usd(need),
        }),
      );
    } else {
      ctx.reasons.push(
        reason('CASH_OUT', `Withdrawal of ${usd(ctx.withdrawal)} covered by cash`, {
          withdrawal: usd(ctx.withdrawal),
          raise: '0.00',
        }),
      );
    }
  }
  return n;
}

function modelChangeTrigger(ctx: PlanContext): number {
  const snap = ctx.snap;
  if (snap.lastTradedModelVersion === snap.model.version) return 0;
  ctx.modelChange = true;
  ctx.reasons.push(
    reason(
      'MODEL_CHANGE',
      snap.lastTradedModelVersion === null
        ? `First trade on model ${snap.model.id} v${snap.model.version}`
        : `Model ${snap.model.id} changed from v${snap.lastTradedModelVersion} to v${snap.model.version}`,
      {
        modelId: snap.model.id,
        version: snap.model.version,
        lastTraded: snap.lastTradedModelVersion ?? 'none',
      },
    ),
  );
  return 1;
}

/** TLH, SWAP_BACK and ESG: the forced sells found by members.ts. */
function forcedSellTriggers(ctx: PlanContext): number {
  const cfg = ctx.cfg;
  let n = 0;
  const forced: Record<ForcedKind, string[]> = { TLH: [], SWAP_BACK: [], ESG: [] };
  let tlhLoss = ZERO;
  for (const st of ctx.sleeves)
    for (const m of st.members)
      for (const k of m.forcedKinds) {
        forced[k].push(m.holding.symbol);
        if (k === 'TLH') tlhLoss = tlhLoss.plus(m.tlhLoss);
      }
  if (forced.TLH.length > 0) {
    n++;
    ctx.reasons.push(
      reason('TLH', `Harvest losses in ${forced.TLH.join(', ')}`, {
        symbols: forced.TLH,
        unrealizedLoss: usd(tlhLoss),
        minLossPct: cfg.raw.tlhMinLossPct,
        minLossUsd: cfg.raw.tlhMinLossUsd,
      }),
    );
  }
  if (forced.SWAP_BACK.length > 0) {
    n++;
    ctx.reasons.push(
      reason(
        'SWAP_BACK',
        `Swap ${forced.SWAP_BACK.join(', ')} back to the primary after the wash-sale window`,
        {
          symbols: forced.SWAP_BACK,
          mode: cfg.swapBack,
        },
      ),
    );
  }
  if (forced.ESG.length > 0) {
    n++;
    ctx.reasons.push(reason('ESG', `Sell ESG-excluded ${forced.ESG.join(', ')}`, { symbols: forced.ESG }));
  }
  return n;
}

/** RESTRICTION reasons: buys routed to alternates, sleeves with nothing buyable, restrictions in force. */
function reportRestrictions(ctx: PlanContext, triggers: number): void {
  const routedBuys = ctx.sleeves.filter(
    (s) => s.sleeve.isModel && s.buySymbol !== null && s.buySymbol !== s.sleeve.key,
  );
  if (routedBuys.length > 0) {
    ctx.reasons.push(
      reason('RESTRICTION', 'Buys routed to alternates', {
        routes: routedBuys.map(
          (s) => `${s.sleeve.key}->${s.buySymbol}: ${(s.buyBlocks[s.sleeve.key] ?? []).join('+')}`,
        ),
      }),
    );
  }
  const noBuy = ctx.sleeves
    .filter((s) => s.sleeve.isModel && !s.frozen && s.buySymbol === null)
    .map((s) => s.sleeve.key);
  if (noBuy.length > 0) {
    ctx.reasons.push(
      reason('RESTRICTION', `No buyable security for ${noBuy.join(', ')}`, {
        sleeves: noBuy,
        blocks: noBuy.flatMap((k) => {
          const st = ctx.sleeves.find((s) => s.sleeve.key === k)!;
          return Object.entries(st.buyBlocks).map(([sym, b]) => `${sym}: ${b.join('+')}`);
        }),
      }),
    );
  }
  const restricted = ctx.snap.restrictions.map((r) => `${r.symbol}:${r.kind}`);
  if (restricted.length > 0 && triggers > 0) {
    ctx.reasons.push(reason('RESTRICTION', 'Restrictions in force', { restrictions: restricted.sort() }));
  }
}

/** FULL on a model change, on a cash flow above `fullRebalanceCashFlowFraction` of value, or when configured; else TO_BAND. */
function chooseMode(ctx: PlanContext, excess: Fx, triggers: number): void {
  const cfg = ctx.cfg;
  const fullFrac = cfg.fullRebalanceCashFlowFraction;
  const bigFlow =
    ctx.totalValue.isPos() &&
    (excess.gt(fullFrac.times(ctx.totalValue)) || ctx.withdrawal.gt(fullFrac.times(ctx.totalValue)));
  ctx.full = cfg.rebalanceMode === 'FULL' || ctx.modelChange || bigFlow;
  if (triggers === 0) return;
  ctx.reasons.push(
    reason(
      'REBALANCE',
      ctx.full
        ? `Full rebalance to target (${ctx.modelChange ? 'model change' : bigFlow ? `cash flow above ${pct(fullFrac)} of value` : 'configured'})`
        : 'Rebalance to the band edge (min/max)',
      {
        mode: ctx.full ? 'FULL' : 'TO_BAND',
        bandRule: cfg.bandRule,
        bandInset: cfg.raw.bandInset,
        minTrade: usd(ctx.minTrade),
        cashTarget: cfg.raw.cashTarget,
      },
    ),
  );
}

/** Largest |actual − target| over the sleeves, as a weight. */
export function maxAbsDev(ctx: PlanContext): string {
  let m = ZERO;
  for (const st of ctx.sleeves) {
    // st.value is sleeve.value and st.targetValue is sleeve.targetValue: the deviation of the drift rows.
    const d = st.sleeve.absDev ?? st.value.minus(st.targetValue).abs();
    if (d.gt(m)) m = d;
  }
  return w(ctx.ratios.of(m));
}
