/**
 * planAccount: scan → triggers → propose (value space, then shares) → lots → compliance → explain.
 * Pure and deterministic: the same snapshot gives the same plan, whatever the order of its holdings.
 */
import { checkCompliance } from './compliance';
import { type ResolvedConfig, resolveConfig } from './config';
import { dayNumber, holdingTerm } from './dates';
import { pct, reason, usd, w } from './explain';
import {
  type Fx,
  ONE as ONE_,
  ROUND_HALF_EVEN as ROUND_HALF_EVEN_,
  ZERO as ZERO_,
  fx,
  maxFx as maxFx_,
  minFx as minFx_,
} from './fx';
import {
  type FxLot,
  type FxSelectedLot,
  LOT_METHOD_WHY,
  estimateTaxFx,
  realizedGainsFx,
  selectLotsFx,
} from './lots';
import { cashStrFast as cashStr, fxShared, priceStrFast as priceStr, qtyStrFast as qtyStr } from './parse';
import type { ForcedKind, LegDraft, MemberPlan, SleeveState } from './plan-state';
import { PriceBook } from './prices';
import { RestrictionBook, routeTargets } from './restrictions';
import { ceilQtyFx, floorQtyFx, spreadFx } from './sizing';
import { scanTlh, swapBackLots } from './tlh';
import type {
  AccountSnapshot,
  DriftRow,
  EngineConfig,
  EnginePlan,
  LegLot,
  LotMethod,
  PlanLeg,
  Reason,
} from './types';
import {
  type Holding,
  Ratios,
  type Sleeve,
  buildSleeves,
  computeDriftRows,
  insetOf,
  isBreachedValue,
  parseHoldings,
} from './valuation';
import { HouseholdIndex, securityKey } from './washsale';

// Module-local copies: imported bindings are getter calls in the compiled output (hot paths).
const ONE = ONE_;
const ROUND_HALF_EVEN = ROUND_HALF_EVEN_;
const ZERO = ZERO_;
const maxFx = maxFx_;
const minFx = minFx_;

const HUNDRED_ONE = fx('1.01');
const HALF = fx('0.5');

/**
 * Plans one account for one trading day. See the module README (TSDoc of `EnginePlan`) for the
 * shape; config layers: DEFAULT ← `config` ← model.config ← accountConfig.
 */
export function planAccount(snapshot: AccountSnapshot, config?: Partial<EngineConfig>): EnginePlan {
  const cfg = resolveConfig(config, snapshot.model.config, snapshot.accountConfig);
  return new Planner(snapshot, cfg).run();
}

class Planner {
  readonly asOf: string;
  readonly taxable: boolean;
  readonly method: LotMethod;
  readonly prices: PriceBook;
  readonly book: RestrictionBook;
  readonly hh: HouseholdIndex;
  readonly holdings: Holding[];
  readonly cash: Fx;
  readonly W: Fx;
  readonly V: Fx;
  /** Value net of the pending withdrawal (never negative): the base of every weight. */
  readonly Vp: Fx;
  readonly minTrade: Fx;
  readonly ratios: Ratios;
  readonly planLossKeys = new Set<string>();
  readonly reasons: Reason[] = [];
  sleeves: SleeveState[] = [];
  full = false;
  cashIn = false;
  cashOut = false;
  hardRaise = false;
  modelChange = false;

  constructor(
    readonly snap: AccountSnapshot,
    readonly cfg: ResolvedConfig,
  ) {
    this.asOf = snap.asOf;
    dayNumber(snap.asOf); // validates the date
    this.taxable = snap.taxStatus === 'TAXABLE';
    this.method = snap.lotMethod ?? cfg.defaultLotMethod;
    this.prices = new PriceBook(snap);
    this.book = new RestrictionBook(snap, this.prices);
    this.hh = new HouseholdIndex(
      snap.asOf,
      snap.accountId,
      cfg.washWindowDays,
      cfg.identical,
      snap.household.recentTrades,
      snap.household.proposedBuys,
    );
    this.holdings = parseHoldings(snap.holdings, this.prices, snap.securities, snap.asOf);
    this.cash = fx(snap.cash);
    this.W = fx(snap.pendingWithdrawal);
    if (this.W.isNeg()) throw new Error('pendingWithdrawal must not be negative');
    let v = this.cash;
    for (const h of this.holdings) v = v.plus(h.value);
    this.V = v;
    const vp = v.minus(this.W);
    this.Vp = vp.isPos() ? vp : ZERO;
    this.ratios = new Ratios(this.Vp);
    this.minTrade = maxFx(cfg.minTradeUsd, cfg.minTradePct.times(this.V));
  }

  key(symbol: string): string {
    return securityKey(symbol, this.cfg.identical);
  }

  buyBlocks(symbol: string): string[] {
    const t = this.book.of(symbol);
    const out = t.buyBlocks.slice();
    if (!this.snap.securities[symbol]) out.push('UNKNOWN_SECURITY');
    if (this.hh.lossSalesOf(symbol).length > 0) out.push('WASH_SALE_RECENT_LOSS');
    if (this.planLossKeys.has(this.key(symbol))) out.push('WASH_SALE_PLAN_LOSS');
    return out;
  }

  firstBuyable(st: SleeveState): string | null {
    for (const c of st.s.candidates) if (this.buyBlocks(c).length === 0) return c;
    return null;
  }

  run(): EnginePlan {
    const snap = this.snap;
    const cfg = this.cfg;
    // 1. Sleeves (ESG routing, mapping of holdings), drift.
    const targets = snap.model.targets.map((t) => ({
      symbol: t.symbol,
      weight: fxShared(t.weight),
      ...(t.assetClass !== undefined ? { assetClass: t.assetClass } : {}),
    }));
    const routed = routeTargets(
      targets,
      snap.securities,
      this.book.esgExcluded,
      snap.esgScreen?.substitutes ?? {},
    );
    const sleeves = buildSleeves(routed.targets, this.holdings, snap.securities, cfg);
    const driftRows = computeDriftRows(sleeves, this.Vp, cfg, this.ratios);
    this.sleeves = sleeves.map((s, i) => this.initSleeve(s, driftRows[i]!));
    for (const t of routed.targets) {
      if (t.routedFrom !== undefined) {
        this.reasons.push(
          reason('ESG', `${t.routedFrom} is excluded by the ESG screen; its weight goes to ${t.symbol}`, {
            excluded: t.routedFrom,
            substitute: t.symbol,
          }),
        );
      }
    }
    if (routed.dropped.length > 0) {
      this.reasons.push(
        reason(
          'ESG',
          `No allowed substitute for ${routed.dropped.join(', ')}; weight spread over the other targets`,
          {
            dropped: routed.dropped,
          },
        ),
      );
    }
    // 2. Frozen sleeves (open reconciliation breaks), members, forced sells (TLH, ESG, swap-back).
    this.scanMembers();
    // 3. Triggers.
    const triggers = this.triggers(driftRows);
    const cashRow = {
      target: w(cfg.cashTarget),
      actual: w(this.ratios.of(this.cash.minus(this.W))),
    };
    const drift = { totalValue: cashStr(this.Vp), cash: cashRow, rows: driftRows };
    if (triggers === 0) {
      this.reasons.push(
        reason(
          'NO_ACTION',
          'No trigger: every sleeve inside its band, cash within tolerance, model unchanged',
          {
            maxAbsDev: this.maxAbsDev(),
            cash: usd(this.cash),
          },
        ),
      );
      return this.finish(drift, []);
    }
    // 4. Propose in value space, then in shares; lots; fix-ups.
    this.sizeValues();
    const legs = this.buildLegs();
    return this.finish(drift, legs);
  }

  initSleeve(s: Sleeve, row: DriftRow): SleeveState {
    const frozen =
      s.members.some((m) => this.book.blocked.has(m.symbol)) || (s.isModel && this.book.blocked.has(s.key));
    let breach: SleeveState['breach'] = null;
    const tV = s.tV ?? s.target.times(this.Vp);
    if (row.breached) breach = s.isModel && s.value.lt(tV) ? 'UNDER' : 'OVER';
    const st: SleeveState = {
      s,
      tV,
      frozen,
      buySymbol: null,
      buyBlocks: {},
      A: s.value,
      F: ZERO,
      lo: s.value,
      hi: s.value,
      D0: s.value,
      D: s.value,
      breach,
      purposes: new Set(),
      notes: new Set(),
      members: [],
      tiers: [ZERO, ZERO, ZERO],
    };
    if (frozen) st.notes.add('BLOCKED');
    return st;
  }

  scanMembers(): void {
    const cfg = this.cfg;
    for (const st of this.sleeves) {
      for (const h of st.s.members) {
        const t = this.book.of(h.symbol);
        const hasBuys = this.hh.replacementBuysOf(h.symbol).length > 0;
        st.members.push({
          h,
          st,
          canSell: t.canSell && !st.frozen,
          sellBlocks: st.frozen ? [...t.sellBlocks, 'SLEEVE_BLOCKED'] : t.sellBlocks,
          forced: [],
          forcedValue: ZERO,
          forcedKinds: new Set(),
          tlhLoss: ZERO,
          excludeLoss: this.taxable && hasBuys,
          extraLots: null,
          extraCapQty: ZERO,
          extraCapValue: ZERO,
          extraValue: ZERO,
        });
      }
    }
    // TLH first (it blocks buys of what it sells), then the buy symbol of every sleeve.
    if (this.taxable && cfg.tlhEnabled) {
      for (const st of this.sleeves) {
        if (!st.s.isModel || st.frozen) continue;
        for (const m of st.members) {
          if (!m.canSell) continue;
          const scan = scanTlh(m.h, this.asOf, {
            minLossPct: cfg.tlhMinLossPct,
            minLossUsd: cfg.tlhMinLossUsd,
            windowDays: cfg.washWindowDays,
            householdBuys: this.hh.replacementBuysOf(m.h.symbol).length > 0,
          });
          if (scan.lots.length === 0 || scan.value.lt(this.minTrade)) continue;
          const k = this.key(m.h.symbol);
          const had = this.planLossKeys.has(k);
          this.planLossKeys.add(k);
          const repl = this.firstBuyable(st);
          if (repl === null || this.key(repl) === k) {
            if (!had) this.planLossKeys.delete(k);
            this.reasons.push(
              reason(
                'TLH',
                `Harvest of ${m.h.symbol} skipped: no buyable replacement from a different index`,
                {
                  symbol: m.h.symbol,
                  unrealizedLoss: usd(scan.loss),
                  skipped: true,
                },
              ),
            );
            continue;
          }
          m.forced = scan.lots.map((l) => l.lot);
          m.forcedValue = scan.value;
          m.forcedKinds.add('TLH');
          m.tlhLoss = scan.loss;
        }
      }
    }
    for (const st of this.sleeves) {
      if (!st.s.isModel || st.frozen) continue;
      st.buySymbol = this.firstBuyable(st);
      for (const c of st.s.candidates) {
        const b = this.buyBlocks(c);
        if (b.length > 0) st.buyBlocks[c] = b;
        if (c === st.buySymbol) break;
      }
    }
    for (const st of this.sleeves) {
      for (const m of st.members) {
        if (!m.canSell) continue;
        const sym = m.h.symbol;
        // ESG: an excluded security in a model sleeve is sold and replaced inside the sleeve.
        if (st.s.isModel && this.book.esgExcluded.has(sym)) {
          const lots = m.h.lots.filter(
            (l) => !m.forced.includes(l) && !(m.excludeLoss && this.isLoss(m.h, l)),
          );
          for (const l of lots) {
            m.forced.push(l);
            m.forcedValue = m.forcedValue.plus(l.qty.times(m.h.price));
          }
          if (lots.length > 0) m.forcedKinds.add('ESG');
          continue;
        }
        // Swap back: an alternate held in a sleeve whose primary is buyable again.
        if (
          st.s.isModel &&
          st.buySymbol === st.s.key &&
          sym !== st.s.key &&
          st.s.known.has(sym) &&
          !m.forcedKinds.has('TLH') &&
          this.key(sym) !== this.key(st.s.key)
        ) {
          const lots = swapBackLots(m.h, this.asOf, this.cfg.swapBack, this.taxable, m.excludeLoss);
          let value = ZERO;
          for (const l of lots) value = value.plus(l.qty.times(m.h.price));
          if (lots.length > 0 && value.gte(this.minTrade)) {
            m.forced = lots;
            m.forcedValue = value;
            m.forcedKinds.add('SWAP_BACK');
          }
        }
      }
    }
    // Capacity for further sells (not forced; loss lots excluded under wash-sale risk).
    for (const st of this.sleeves) {
      let F = ZERO;
      let cap = ZERO;
      for (const m of st.members) {
        // Adding the ZERO constant leaves F unchanged (F is always an operation result or ZERO).
        if (m.forcedValue !== ZERO) F = F.plus(m.forcedValue);
        if (!m.canSell) continue;
        if (m.forced.length === 0 && !m.excludeLoss) {
          // Every lot is available (lots always cover the position, see Holding.lots).
          m.extraLots = null;
          m.extraCapQty = m.h.qty;
          m.extraCapValue = m.h.value;
          cap = cap === ZERO ? m.h.value : cap.plus(m.h.value);
          continue;
        }
        const forced = new Set(m.forced);
        m.extraLots = m.h.lots.filter((l) => !forced.has(l) && !(m.excludeLoss && this.isLoss(m.h, l)));
        let q = ZERO;
        for (const l of m.extraLots) q = q.plus(l.qty);
        let forcedQty = ZERO;
        for (const l of m.forced) forcedQty = forcedQty.plus(l.qty);
        // Never more than the position (lots may exceed the quantity held).
        const room = m.h.qty.minus(forcedQty);
        m.extraCapQty = q.lt(room) ? (room.isPos() ? q : ZERO) : room.isPos() ? room : ZERO;
        m.extraCapValue = m.extraCapQty.times(m.h.price);
        cap = cap === ZERO ? m.extraCapValue : cap.plus(m.extraCapValue);
      }
      st.F = F;
      st.lo = (F === ZERO ? st.A : st.A.minus(F)).minus(cap);
    }
  }

  isLoss(h: Holding, l: FxLot): boolean {
    return h.price.lt(l.unitCost);
  }

  triggers(rows: DriftRow[]): number {
    const cfg = this.cfg;
    const snap = this.snap;
    let n = 0;
    const breached = rows.filter((r, i) => r.breached && !this.sleeves[i]!.frozen).map((r) => r.symbol);
    if (breached.length > 0) {
      n++;
      this.reasons.push(
        reason('DRIFT', `${breached.length} sleeve(s) outside their bands: ${breached.join(', ')}`, {
          breached,
          bandRule: cfg.bandRule,
          maxAbsDev: this.maxAbsDev(),
        }),
      );
    }
    const frozen = this.sleeves.filter((s) => s.frozen).map((s) => s.s.key);
    if (frozen.length > 0) {
      this.reasons.push(
        reason('BLOCKED', `Not trading ${frozen.join(', ')}: open reconciliation break`, {
          sleeves: frozen,
          blockedSymbols: [...this.book.blocked].sort(),
        }),
      );
    }
    const cTarget = cfg.cashTarget.times(this.Vp);
    const excess = this.cash.minus(this.W).minus(cTarget);
    const tol = cfg.investExcessThreshold.times(this.Vp);
    if (this.Vp.isPos() && excess.gt(tol)) {
      n++;
      this.cashIn = true;
      this.reasons.push(
        reason(
          'CASH_IN',
          `Cash ${usd(this.cash)} is ${usd(excess)} above the ${pct(cfg.cashTarget)} target`,
          {
            cash: usd(this.cash),
            cashTarget: usd(cTarget),
            excess: usd(excess),
            threshold: usd(tol),
          },
        ),
      );
    }
    if (this.W.isPos()) {
      this.hardRaise = this.cash.lt(this.W);
      if (this.hardRaise || excess.neg().gt(tol)) {
        n++;
        this.cashOut = true;
        const need = this.W.plus(cTarget).minus(this.cash);
        this.reasons.push(
          reason('CASH_OUT', `Raise ${usd(need)} for a ${usd(this.W)} withdrawal and the cash buffer`, {
            withdrawal: usd(this.W),
            cash: usd(this.cash),
            raise: usd(need),
          }),
        );
      } else {
        this.reasons.push(
          reason('CASH_OUT', `Withdrawal of ${usd(this.W)} covered by cash`, {
            withdrawal: usd(this.W),
            raise: '0.00',
          }),
        );
      }
    }
    if (snap.lastTradedModelVersion !== snap.model.version) {
      n++;
      this.modelChange = true;
      this.reasons.push(
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
    }
    const forced: Record<ForcedKind, string[]> = { TLH: [], SWAP_BACK: [], ESG: [] };
    let tlhLoss = ZERO;
    for (const st of this.sleeves)
      for (const m of st.members)
        for (const k of m.forcedKinds) {
          forced[k].push(m.h.symbol);
          if (k === 'TLH') tlhLoss = tlhLoss.plus(m.tlhLoss);
        }
    if (forced.TLH.length > 0) {
      n++;
      this.reasons.push(
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
      this.reasons.push(
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
      this.reasons.push(reason('ESG', `Sell ESG-excluded ${forced.ESG.join(', ')}`, { symbols: forced.ESG }));
    }
    const routedBuys = this.sleeves.filter(
      (s) => s.s.isModel && s.buySymbol !== null && s.buySymbol !== s.s.key,
    );
    if (routedBuys.length > 0) {
      this.reasons.push(
        reason('RESTRICTION', 'Buys routed to alternates', {
          routes: routedBuys.map(
            (s) => `${s.s.key}->${s.buySymbol}: ${(s.buyBlocks[s.s.key] ?? []).join('+')}`,
          ),
        }),
      );
    }
    const noBuy = this.sleeves
      .filter((s) => s.s.isModel && !s.frozen && s.buySymbol === null)
      .map((s) => s.s.key);
    if (noBuy.length > 0) {
      this.reasons.push(
        reason('RESTRICTION', `No buyable security for ${noBuy.join(', ')}`, {
          sleeves: noBuy,
          blocks: noBuy.flatMap((k) => {
            const st = this.sleeves.find((s) => s.s.key === k)!;
            return Object.entries(st.buyBlocks).map(([sym, b]) => `${sym}: ${b.join('+')}`);
          }),
        }),
      );
    }
    const restricted = this.snap.restrictions.map((r) => `${r.symbol}:${r.kind}`);
    if (restricted.length > 0 && n > 0) {
      this.reasons.push(reason('RESTRICTION', 'Restrictions in force', { restrictions: restricted.sort() }));
    }
    const fullFrac = cfg.fullRebalanceCashFlowFraction;
    const bigFlow =
      this.V.isPos() && (excess.gt(fullFrac.times(this.V)) || this.W.gt(fullFrac.times(this.V)));
    this.full = cfg.rebalanceMode === 'FULL' || this.modelChange || bigFlow;
    if (n > 0) {
      this.reasons.push(
        reason(
          'REBALANCE',
          this.full
            ? `Full rebalance to target (${this.modelChange ? 'model change' : bigFlow ? `cash flow above ${pct(fullFrac)} of value` : 'configured'})`
            : 'Rebalance to the band edge (min/max)',
          {
            mode: this.full ? 'FULL' : 'TO_BAND',
            bandRule: cfg.bandRule,
            bandInset: cfg.raw.bandInset,
            minTrade: usd(this.minTrade),
            cashTarget: cfg.raw.cashTarget,
          },
        ),
      );
    }
    return n;
  }

  /** Value-space proposal: desired value D per sleeve within [lo, hi], cash raised or invested. */
  sizeValues(): void {
    const cfg = this.cfg;
    const Vp = this.Vp;
    const inset = insetOf(cfg);
    const bump = this.minTrade.times(HUNDRED_ONE);
    const limitV = cfg.concentrationLimit.times(Vp);
    for (const st of this.sleeves) {
      const s = st.s;
      if (st.frozen) continue;
      const buy = st.buySymbol;
      const base = st.F === ZERO ? st.A : st.A.minus(st.F);
      if (buy === null) st.hi = base;
      else {
        const price = this.prices.get(buy)!;
        let held = ZERO;
        for (const m of st.members) if (m.h.symbol === buy) held = m.h.value;
        // limitV − 0 = limitV exactly (an operation result).
        let room = held === ZERO ? limitV : limitV.minus(held);
        if (room.isNeg()) room = ZERO;
        room = minFx(room, legRoom(cfg, price));
        st.hi = base.plus(room);
      }
      let D: Fx;
      if (!s.isModel) {
        D = cfg.sellNonModelHoldings ? ZERO : st.A;
        st.purposes.add('NON_MODEL');
      } else if (this.full) {
        D = st.tV;
        st.purposes.add('FULL');
      } else if (st.breach !== null) {
        const tV = st.tV;
        const edge = (s.info !== undefined ? s.info.insetHalf : s.half.times(inset)).times(Vp);
        const dev = st.A.minus(tV);
        D = dev.isPos() ? tV.plus(edge) : tV.minus(edge);
        const move = st.A.minus(D).abs();
        if (move.lt(bump)) {
          const maxMove = dev.abs().plus(edge);
          if (bump.lte(maxMove)) D = dev.isPos() ? st.A.minus(bump) : st.A.plus(bump);
        }
        st.purposes.add('BAND');
      } else {
        D = st.A;
      }
      if (D.lt(st.lo)) {
        st.notes.add('SELL_CAPACITY');
        D = st.lo;
      }
      if (D.gt(st.hi)) {
        st.notes.add(buy === null ? 'NO_BUY' : 'CAP');
        D = st.hi;
      }
      st.D0 = D;
      st.D = D;
      if (st.F.isPos()) st.purposes.add('FORCED');
    }
    // Cash: raise (withdrawal, funding of band buys) or invest.
    let sumD = ZERO;
    for (const st of this.sleeves) sumD = sumD.plus(st.D);
    const cashD = this.V.minus(sumD);
    const gFull = cfg.cashTarget.times(Vp).plus(this.W);
    const gLow = this.cashOut || this.full ? gFull : minFx(this.cash, gFull);
    const raise = gLow.minus(cashD);
    if (raise.isPos()) {
      // Cut sleeves pro rata to their surplus over target, then (if that is not enough) pro rata to
      // what is still sellable: every sleeve moves towards its target, none away.
      const live = this.sleeves.filter((st) => !st.frozen && st.D.gt(st.lo));
      const room1: Fx[] = [];
      const room2: Fx[] = [];
      for (const st of live) {
        const cap = st.D.minus(st.lo);
        const surplus = st.D.minus(st.tV);
        const r1 = surplus.isPos() ? minFx(surplus, cap) : ZERO;
        room1.push(r1);
        // cap − 0 = cap exactly (cap is an operation result or ZERO).
        room2.push(r1 === ZERO ? cap : cap.minus(r1));
      }
      const cuts = spreadFx(raise, room1, room2);
      let after = ZERO;
      live.forEach((st, i) => {
        const c = cuts[i]!;
        if (c.isPos()) {
          st.purposes.add('RAISE');
          st.D = st.D.minus(c);
        }
      });
      for (const st of this.sleeves) after = after.plus(st.D);
      if (this.V.minus(after).lt(gLow)) {
        for (const st of live) if (st.D.gt(st.lo)) st.notes.add('CASH');
        this.reasons.push(
          reason('CASH_SHORTFALL', 'Sellable holdings cannot raise all the cash needed', {
            needed: usd(gLow),
            reachable: usd(this.V.minus(after)),
          }),
        );
      }
      sumD = after;
    }
    const cashNow = this.V.minus(sumD);
    const excess = cashNow.minus(gFull);
    const invest = this.cashIn || this.full ? excess : minFx(excess, cashNow.minus(this.cash));
    if (invest.isPos()) {
      // Fill sleeves pro rata to their shortfall to target, then pro rata to the room left below
      // the band's inset upper edge (and the concentration / leg limits).
      const live = this.sleeves.filter((st) => !st.frozen && st.s.isModel && st.buySymbol !== null);
      const room1: Fx[] = [];
      const room2: Fx[] = [];
      for (const st of live) {
        const info = st.s.info;
        const upper = (info !== undefined ? info.insetUpper : st.s.target.plus(st.s.half.times(inset))).times(
          Vp,
        );
        const up = minFx(st.hi, upper);
        const cap = up.gt(st.D) ? up.minus(st.D) : ZERO;
        const deficit = st.tV.minus(st.D);
        const r1 = deficit.isPos() ? minFx(deficit, cap) : ZERO;
        room1.push(r1);
        // cap − 0 = cap exactly (cap is an operation result or ZERO).
        room2.push(r1 === ZERO ? cap : cap.minus(r1));
      }
      const adds = spreadFx(invest, room1, room2);
      let got = ZERO;
      live.forEach((st, i) => {
        const a = adds[i]!;
        if (a.isPos()) {
          st.purposes.add('INVEST');
          st.D = st.D.plus(a);
          got = got.plus(a);
        }
      });
      const left = invest.minus(got);
      if (left.gt(cfg.investExcessThreshold.times(Vp))) {
        this.reasons.push(
          reason(
            'CASH_UNINVESTED',
            `${usd(left)} stays in cash: no sleeve can take it within its band and limits`,
            {
              uninvested: usd(left),
            },
          ),
        );
      }
    }
    // Member split: buys go to the sleeve's buy symbol; sells come from the cheapest members in tax.
    for (const st of this.sleeves) {
      if (st.frozen) continue;
      const base = st.F === ZERO ? st.A : st.A.minus(st.F);
      if (st.D.gt(base) && st.buySymbol !== null) {
        const amt = st.D.minus(base);
        const t0 = minFx(amt, st.F);
        const t1 = minFx(amt.minus(t0), maxFx(ZERO, st.D0.minus(st.A)));
        st.tiers = [t0, t1, amt.minus(t0).minus(t1)];
      } else if (st.D.lt(base)) {
        let need = base.minus(st.D);
        const order = this.sellOrder(st, need);
        for (const m of order) {
          if (need.lte(ZERO)) break;
          const take = minFx(need, m.extraCapValue);
          m.extraValue = take;
          need = need.minus(take);
        }
      }
    }
  }

  /** Members to sell from: lowest estimated gain per dollar first (ties by symbol). */
  sellOrder(st: SleeveState, need: Fx): MemberPlan[] {
    const ms = st.members.filter((m) => m.extraCapValue.isPos());
    if (ms.length <= 1) return ms;
    const score = new Map<MemberPlan, Fx>();
    for (const m of ms) {
      const amt = minFx(need, m.extraCapValue);
      const qty = amt.div(m.h.price);
      const sel = selectLotsFx(m.extraLots ?? m.h.lots, qty, this.method, m.h.price, this.asOf);
      let gain = ZERO;
      for (const l of sel.lots) gain = gain.plus(l.gain);
      score.set(m, amt.isPos() ? gain.div(amt) : ZERO);
    }
    return ms.sort((a, b) => score.get(a)!.cmp(score.get(b)!) || (a.h.symbol < b.h.symbol ? -1 : 1));
  }

  buildLegs(): LegDraft[] {
    const cfg = this.cfg;
    const sells: LegDraft[] = [];
    // Sells, one leg per symbol (a holding belongs to one sleeve).
    for (const st of this.sleeves) {
      for (const m of st.members) {
        if (!m.canSell) continue;
        const h = m.h;
        let forcedQty = ZERO;
        for (const l of m.forced) forcedQty = forcedQty.plus(l.qty);
        let extraQty = ZERO;
        if (m.extraValue.isPos()) {
          extraQty = m.extraValue.gte(m.extraCapValue)
            ? m.extraCapQty
            : minFx(ceilQtyFx(m.extraValue.div(h.price), h.fractionable), m.extraCapQty);
        }
        if (forcedQty === ZERO && extraQty === ZERO) continue;
        if (forcedQty.plus(extraQty).lte(ZERO)) continue;
        let capped = false;
        const total = forcedQty.plus(extraQty);
        const maxQ = this.overLegMax(total, h.price, h.fractionable);
        if (maxQ !== null) {
          capped = true;
          st.notes.add('CAP');
          extraQty = maxFx(ZERO, maxQ.minus(forcedQty));
        }
        let forced: FxLot[] = m.forced;
        if (maxQ !== null && forcedQty.gt(maxQ)) {
          forced = [];
          let q = ZERO;
          for (const l of m.forced) {
            if (q.plus(l.qty).gt(maxQ)) break;
            forced.push(l);
            q = q.plus(l.qty);
          }
          forcedQty = q;
        }
        let qty = forcedQty.plus(extraQty);
        let notional = toCents(qty.times(h.price));
        if (notional.lt(this.minTrade)) {
          if (this.hardRaise && m.extraCapQty.isPos()) {
            extraQty = minFx(
              maxFx(extraQty, ceilQtyFx(this.minTrade.div(h.price), h.fractionable)),
              m.extraCapQty,
            );
            qty = forcedQty.plus(extraQty);
            notional = toCents(qty.times(h.price));
          } else {
            st.notes.add('MIN_TRADE');
            continue;
          }
        }
        if (qty.lte(ZERO)) continue;
        const lots: FxSelectedLot[] = forced.map((l) => ({
          lot: l,
          qty: l.qty,
          term: holdingTermOf(l, this.asOf),
          gain: h.price.minus(l.unitCost).times(l.qty),
        }));
        if (extraQty.isPos()) {
          const sel = selectLotsFx(m.extraLots ?? m.h.lots, extraQty, this.method, h.price, this.asOf);
          lots.push(...sel.lots);
        }
        sells.push({
          symbol: h.symbol,
          side: 'SELL',
          qty,
          price: h.price,
          notional,
          exact: qty.times(h.price),
          fractionable: h.fractionable,
          lots,
          sleeves: [st],
          member: m,
          capped,
          lotWhy: forced.length > 0 ? 'specific lots' : LOT_METHOD_WHY[this.method],
        });
      }
    }
    // Improvement rule on band-only sleeves (sells).
    this.applyImprovement(sells, 'SELL');
    let proceeds = ZERO;
    for (const l of sells) proceeds = proceeds.plus(l.notional);
    const gFull = cfg.cashTarget.times(this.Vp).plus(this.W);
    const gLow = this.cashOut || this.full ? gFull : minFx(this.cash, gFull);
    let budget = this.cash.plus(proceeds).minus(gLow);
    // Buys: one leg per symbol, funded in tiers (replacements, band/full, invest).
    const bySym = new Map<string, { sts: SleeveState[]; tiers: [Fx, Fx, Fx] }>();
    for (const st of this.sleeves) {
      if (st.buySymbol === null) continue;
      const [a, b, c] = st.tiers;
      if (a === ZERO && b === ZERO && c === ZERO) continue;
      if (a.plus(b).plus(c).lte(ZERO)) continue;
      const cur = bySym.get(st.buySymbol);
      if (cur) {
        cur.sts.push(st);
        cur.tiers = [cur.tiers[0].plus(a), cur.tiers[1].plus(b), cur.tiers[2].plus(c)];
      } else bySym.set(st.buySymbol, { sts: [st], tiers: [a, b, c] });
    }
    const entries = [...bySym.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    const amounts = new Map<string, Fx>(entries.map(([s]) => [s, ZERO]));
    if (budget.isNeg()) budget = ZERO;
    for (let tier = 0; tier < 3; tier++) {
      let want = ZERO;
      for (const [, e] of entries) want = want.plus(e.tiers[tier]!);
      if (want.lte(ZERO)) continue;
      const scale = want.lte(budget) ? ONE : budget.div(want);
      for (const [sym, e] of entries) {
        const part = e.tiers[tier]!.times(scale);
        amounts.set(sym, amounts.get(sym)!.plus(part));
        if (scale.lt(ONE)) for (const st of e.sts) st.notes.add('CASH');
      }
      budget = budget.minus(scale.lt(ONE) ? budget : want);
    }
    const buys: LegDraft[] = [];
    const sellKeys = new Set<string>();
    for (const l of sells)
      if (this.taxable && l.lots.some((x) => x.gain.isNeg())) sellKeys.add(this.key(l.symbol));
    for (const [sym, e] of entries) {
      const amt = amounts.get(sym)!;
      if (amt.lte(ZERO)) continue;
      const price = this.prices.get(sym)!;
      const fractionable = this.snap.securities[sym]?.fractionable ?? false;
      let qty = floorQtyFx(amt.div(price), fractionable);
      // The cent-rounded notional must not exceed the amount (it may round up by half a cent).
      if (toCents(qty.times(price)).gt(amt)) qty = qty.minus(fractionable ? STEP : ONE);
      let capped = false;
      const maxQ = this.overLegMax(qty, price, fractionable);
      if (maxQ !== null) {
        qty = maxQ;
        capped = true;
        for (const st of e.sts) st.notes.add('CAP');
      }
      const notional = toCents(qty.times(price));
      if (qty.lte(ZERO)) {
        for (const st of e.sts) st.notes.add(fractionable ? 'MIN_TRADE' : 'WHOLE_SHARES');
        continue;
      }
      if (notional.lt(this.minTrade)) {
        for (const st of e.sts) st.notes.add('MIN_TRADE');
        continue;
      }
      if (sellKeys.has(this.key(sym))) {
        for (const st of e.sts) st.notes.add('WASH_SALE');
        this.reasons.push(
          reason('WASH_SALE_AVOIDED', `Buy of ${sym} dropped: this plan sells it at a loss`, { symbol: sym }),
        );
        continue;
      }
      if (!fractionable && notional.lt(amt.times(HALF))) for (const st of e.sts) st.notes.add('WHOLE_SHARES');
      buys.push({
        symbol: sym,
        side: 'BUY',
        qty,
        price,
        notional,
        exact: qty.times(price),
        fractionable,
        lots: [],
        sleeves: e.sts,
        capped,
      });
    }
    this.applyImprovement(buys, 'BUY');
    return [...sells, ...buys];
  }

  /** Largest |actual − target| over the sleeves, as a weight. */
  maxAbsDev(): string {
    let m = ZERO;
    for (const st of this.sleeves) {
      // st.A is s.value and st.tV is s.tV: the deviation computed with the drift rows.
      const d = st.s.absDev ?? st.A.minus(st.tV).abs();
      if (d.gt(m)) m = d;
    }
    return w(this.ratios.of(m));
  }

  /** The largest allowed leg quantity when `qty` is above the share or notional maximum, else null. */
  overLegMax(qty: Fx, price: Fx, fractionable: boolean): Fx | null {
    const cfg = this.cfg;
    if (!qty.gt(cfg.maxLegShares) && !qty.times(price).gt(cfg.maxLegNotional)) return null;
    return minFx(cfg.maxLegShares, floorQtyFx(cfg.maxLegNotional.div(price), fractionable));
  }

  /** Drops band-only legs that do not cut the sleeve's deviation by `improvementPct`. */
  applyImprovement(legs: LegDraft[], side: 'BUY' | 'SELL'): void {
    if (this.full || this.Vp.lte(ZERO)) return;
    const bySleeve = new Map<SleeveState, LegDraft[]>();
    for (const l of legs) {
      if (l.sleeves.length !== 1) continue;
      const st = l.sleeves[0]!;
      if (st.breach === null || st.purposes.size !== 1 || !st.purposes.has('BAND')) continue;
      const arr = bySleeve.get(st);
      if (arr) arr.push(l);
      else bySleeve.set(st, [l]);
    }
    for (const [st, ls] of bySleeve) {
      let moved = ZERO;
      for (const l of ls) moved = moved.plus(l.notional);
      const tV = st.tV;
      const before = st.A.minus(tV).abs();
      const after = (side === 'SELL' ? st.A.minus(moved) : st.A.plus(moved)).minus(tV).abs();
      // A trade that brings a breached sleeve back inside its band always counts as an improvement:
      // to-band with the inset can cut a deviation just short of the improvement percentage.
      const backInBand = st.breach !== null && after.lte(st.s.half.times(this.Vp));
      if (!backInBand && before.minus(after).lt(this.cfg.improvementPct.times(before))) {
        st.notes.add('IMPROVEMENT');
        for (const l of ls) legs.splice(legs.indexOf(l), 1);
      }
    }
  }

  finish(drift: EnginePlan['drift'], drafts: LegDraft[]): EnginePlan {
    const cfg = this.cfg;
    const Vp = this.Vp;
    // Post-trade state: values move by the legs' notionals (qty × estPrice), everything else is unchanged.
    const valueAfter = new Map<string, Fx>();
    const qtyAfter = new Map<string, Fx>();
    for (const h of this.holdings) {
      valueAfter.set(h.symbol, h.value);
      qtyAfter.set(h.symbol, h.qty);
    }
    let cashAfter = this.cash;
    // Cent rounding of the cash legs changes the total by fractions of a cent.
    let residue = ZERO;
    const owner = new Map<string, SleeveState>();
    for (const st of this.sleeves) for (const m of st.members) owner.set(m.h.symbol, st);
    const sleeveAfter = new Map<SleeveState, Fx>();
    for (const st of this.sleeves) sleeveAfter.set(st, st.A);
    // Sleeves whose value moved by legs of a symbol other than their single member.
    const mixed = new Set<SleeveState>();
    for (const l of drafts) {
      const sell = l.side === 'SELL';
      const v = valueAfter.get(l.symbol) ?? ZERO;
      const q = qtyAfter.get(l.symbol) ?? ZERO;
      valueAfter.set(l.symbol, sell ? v.minus(l.exact) : v.plus(l.exact));
      qtyAfter.set(l.symbol, sell ? q.minus(l.qty) : q.plus(l.qty));
      cashAfter = sell ? cashAfter.plus(l.notional) : cashAfter.minus(l.notional);
      residue = sell ? residue.plus(l.notional).minus(l.exact) : residue.plus(l.exact).minus(l.notional);
      // A bought symbol belongs to the sleeve that bought it.
      let st = owner.get(l.symbol);
      if (!st) {
        st = l.sleeves[0]!;
        owner.set(l.symbol, st);
      }
      const sv = sleeveAfter.get(st)!;
      sleeveAfter.set(st, sell ? sv.minus(l.exact) : sv.plus(l.exact));
      if (st.members.length !== 1 || st.members[0]!.h.symbol !== l.symbol) mixed.add(st);
    }
    const vpAfter = residue.isZero() ? Vp : maxFx(ZERO, Vp.plus(residue));
    const ratios = residue.isZero() ? this.ratios : new Ratios(vpAfter);
    const traded = new Set(drafts.map((l) => l.symbol));
    const rowBySymbol = new Map<string, string>();
    if (residue.isZero())
      this.sleeves.forEach((st, i) => {
        if (st.members.length === 1) rowBySymbol.set(st.members[0]!.h.symbol, drift.rows[i]!.actual);
      });
    const weights: Record<string, string> = {};
    const weightOf = new Map<string, string>();
    for (const sym of [...valueAfter.keys()].sort()) {
      if (!qtyAfter.get(sym)!.isPos()) continue;
      const cached = traded.has(sym) ? undefined : rowBySymbol.get(sym);
      const wt = cached ?? w(ratios.of(valueAfter.get(sym)!));
      weights[sym] = wt;
      weightOf.set(sym, wt);
    }
    weights.$CASH = w(ratios.of(cashAfter.minus(this.W)));
    const sleeveWeights: Record<string, string> = {};
    this.sleeves.forEach((st, i) => {
      const v = sleeveAfter.get(st)!;
      if (v.eq(st.A) && residue.isZero()) {
        sleeveWeights[st.s.key] = drift.rows[i]!.actual;
        return;
      }
      // A single-member sleeve moved only by its member's legs has exactly the member's value after.
      const sole =
        st.members.length === 1 && !mixed.has(st) ? weightOf.get(st.members[0]!.h.symbol) : undefined;
      sleeveWeights[st.s.key] = sole ?? w(ratios.of(v));
    });
    const rowOf = new Map(this.sleeves.map((st, i) => [st, drift.rows[i]!]));
    // Legs: sells before buys, numbered; reasons.
    const legs: PlanLeg[] = [];
    let realizedST = ZERO;
    let realizedLT = ZERO;
    const ordered = [
      ...drafts.filter((l) => l.side === 'SELL').sort((a, b) => (a.symbol < b.symbol ? -1 : 1)),
      ...drafts.filter((l) => l.side === 'BUY').sort((a, b) => (a.symbol < b.symbol ? -1 : 1)),
    ];
    for (const l of ordered) {
      const legNo = legs.length + 1;
      const lots: LegLot[] = l.lots.map((x) => ({
        lotId: x.lot.lotId,
        qty: qtyStr(x.qty),
        unitCost: x.lot.unitCost.toFixed(),
        openDate: x.lot.openDate,
        term: x.term,
        estGain: cashStr(x.gain),
      }));
      const g = realizedGainsFx(l.lots);
      realizedST = realizedST.plus(g.st);
      realizedLT = realizedLT.plus(g.lt);
      legs.push({
        legNo,
        symbol: l.symbol,
        side: l.side,
        qty: l.fractionable ? qtyStr(l.qty) : l.qty.toFixed(l.qty.isInteger() ? 0 : 5),
        estPrice: priceStr(l.price),
        estNotional: cashStr(l.notional),
        reasons: this.legReasons(l, sleeveWeights, rowOf, g),
        lots,
      });
    }
    // Residual breaches after trading (model sleeves).
    if (legs.length > 0 || this.reasons.some((r) => r.code === 'DRIFT')) {
      const vpPositive = !Vp.lte(ZERO);
      const noResidue = residue.isZero();
      for (const st of this.sleeves) {
        if (!st.s.isModel || !vpPositive) continue;
        const va = sleeveAfter.get(st)!;
        if (!isBreachedValue(va, st.s.target, st.s.half, vpAfter, noResidue ? st.tV : undefined)) continue;
        const after = ratios.of(va);
        const causes = this.residualCauses(st, va);
        this.reasons.push(
          reason(
            'RESIDUAL_BREACH',
            `${st.s.key} stays outside its band (${pct(after)} vs ${pct(st.s.target)})`,
            {
              sleeve: st.s.key,
              target: st.s.info !== undefined ? st.s.info.targetStr : w(st.s.target),
              after: w(after),
              band: st.s.info !== undefined ? st.s.info.halfStr : w(st.s.half),
              causes,
            },
          ),
        );
      }
      for (const st of this.sleeves) {
        if (st.s.isModel || !cfg.sellNonModelHoldings || st.frozen) continue;
        if (
          sleeveAfter.get(st)!.isPos() &&
          st.notes.size + (st.members.some((m) => !m.canSell) ? 1 : 0) > 0
        ) {
          this.reasons.push(
            reason('NON_MODEL', `${st.s.key} is not in the model and cannot be fully sold today`, {
              symbol: st.s.key,
              causes: [...st.notes, ...st.members.flatMap((m) => m.sellBlocks)].sort(),
            }),
          );
        }
      }
    }
    const est = this.taxable
      ? estimateTaxFx(realizedST, realizedLT, cfg.shortTermTaxRate, cfg.longTermTaxRate)
      : ZERO;
    const tax = this.taxable
      ? { realizedST: cashStr(realizedST), realizedLT: cashStr(realizedLT), estTax: cashStr(est) }
      : { realizedST: '0.00', realizedLT: '0.00', estTax: '0.00' };
    if (legs.some((l) => l.side === 'SELL')) {
      this.reasons.push(
        reason(
          'TAX',
          this.taxable
            ? `Estimated realized gains: short-term ${usd(realizedST)}, long-term ${usd(realizedLT)}; tax ${usd(est)}`
            : `${this.snap.taxStatus} account: realized gains are not taxed`,
          {
            taxable: this.taxable,
            realizedST: tax.realizedST,
            realizedLT: tax.realizedLT,
            estTax: tax.estTax,
            shortTermRate: cfg.raw.shortTermTaxRate,
            longTermRate: cfg.raw.longTermTaxRate,
          },
        ),
      );
    }
    if (legs.length === 0 && !this.reasons.some((r) => r.code === 'NO_ACTION')) {
      const notes = new Set<string>();
      for (const st of this.sleeves) for (const n of st.notes) notes.add(n);
      this.reasons.push(
        reason('NO_ACTION', 'Triggers fired but no trade survived the constraints', {
          constraints: [...notes].sort(),
        }),
      );
    }
    const plan: EnginePlan = {
      accountId: this.snap.accountId,
      asOf: this.asOf,
      action: legs.length > 0 ? 'TRADE' : 'NONE',
      mode: this.full ? 'FULL' : 'TO_BAND',
      reasons: this.reasons,
      drift,
      legs,
      tax,
      compliance: { ok: true, failures: [] },
      after: { cash: cashStr(cashAfter), totalValue: cashStr(vpAfter), weights, sleeveWeights },
    };
    plan.compliance = checkCompliance(this.snap, plan, this.cfg, {
      held: new Map(this.holdings.map((h) => [h.symbol, h.qty])),
      price: (sym) => this.prices.get(sym),
      household: this.hh,
      value: (sym) => this.holdingBy().get(sym)?.value,
    });
    return plan;
  }

  private holdingMap: Map<string, Holding> | null = null;

  /** Parsed holdings by symbol. */
  holdingBy(): Map<string, Holding> {
    if (this.holdingMap === null) this.holdingMap = new Map(this.holdings.map((h) => [h.symbol, h]));
    return this.holdingMap;
  }

  residualCauses(st: SleeveState, afterValue: Fx): string[] {
    const c = new Set(st.notes);
    const over = afterValue.gt(st.tV);
    if (over && st.members.some((m) => !m.canSell || m.excludeLoss)) {
      for (const m of st.members) {
        for (const b of m.sellBlocks) c.add(b);
        if (m.excludeLoss) c.add('WASH_SALE');
      }
      c.add('SELL_CAPACITY');
    }
    if (!over && st.buySymbol === null) {
      c.add('NO_BUY');
      for (const b of Object.values(st.buyBlocks)) for (const x of b) c.add(x);
    }
    if (!over && (this.cashOut || this.hardRaise) && st.D.lt(st.D0)) c.add('CASH');
    if (
      st.members.some((m) => !m.h.fractionable) ||
      (st.buySymbol && !this.snap.securities[st.buySymbol]?.fractionable)
    )
      if (c.size === 0) c.add('WHOLE_SHARES');
    if (c.size === 0) c.add('UNEXPLAINED');
    return [...c].sort();
  }

  legReasons(
    l: LegDraft,
    sleeveWeights: Record<string, string>,
    rows: Map<SleeveState, DriftRow>,
    g: { st: Fx; lt: Fx },
  ): Reason[] {
    const out: Reason[] = [];
    for (const st of l.sleeves) {
      const row = rows.get(st)!;
      const before = row.actual;
      const base = {
        sleeve: st.s.key,
        target: row.target,
        before,
        after: sleeveWeights[st.s.key]!,
        band: row.band,
        lower: st.s.info !== undefined ? st.s.info.lowerStr : w(maxFx(ZERO, st.s.target.minus(st.s.half))),
        upper: st.s.info !== undefined ? st.s.info.upperStr : w(st.s.target.plus(st.s.half)),
      };
      const m = l.member;
      if (m) {
        for (const k of m.forcedKinds) {
          if (k === 'TLH')
            out.push(
              reason('TLH', `Harvest ${usd(m.tlhLoss)} of losses; replace with ${st.buySymbol}`, {
                ...base,
                lots: m.forced.map((x) => x.lotId),
                unrealizedLoss: usd(m.tlhLoss),
                replacement: st.buySymbol ?? '',
              }),
            );
          if (k === 'SWAP_BACK')
            out.push(
              reason('SWAP_BACK', `Swap back to ${st.s.key} after the wash-sale window`, {
                ...base,
                lots: m.forced.map((x) => x.lotId),
                mode: this.cfg.swapBack,
              }),
            );
          if (k === 'ESG') out.push(reason('ESG', `${m.h.symbol} is excluded by the ESG screen`, base));
        }
      }
      if (l.side === 'BUY' && st.tiers[0].isPos()) {
        const src = st.members.filter((x) => x.forcedValue.isPos()).map((x) => x.h.symbol);
        out.push(
          reason(
            st.members.some((x) => x.forcedKinds.has('TLH'))
              ? 'TLH'
              : st.members.some((x) => x.forcedKinds.has('ESG'))
                ? 'ESG'
                : 'SWAP_BACK',
            `Replacement for ${src.join(', ')}`,
            { ...base, replaces: src },
          ),
        );
      }
      const extra =
        l.side === 'BUY' ? st.tiers[1].plus(st.tiers[2]).isPos() : (m?.extraValue.isPos() ?? false);
      if (!extra) continue;
      for (const p of st.purposes) {
        if (p === 'BAND')
          out.push(
            reason(
              'DRIFT',
              `${st.s.key} ${pct(fx(before))} vs target ${pct(st.s.target)}: trade to inside the band`,
              {
                ...base,
                mode: 'TO_BAND',
              },
            ),
          );
        if (p === 'FULL')
          out.push(
            reason(
              this.modelChange ? 'MODEL_CHANGE' : 'REBALANCE',
              `Full rebalance of ${st.s.key} to target`,
              {
                ...base,
                mode: 'FULL',
              },
            ),
          );
        if (p === 'RAISE' && l.side === 'SELL')
          out.push(reason('CASH_OUT', 'Raise cash (withdrawal / buffer / funding)', base));
        if (p === 'INVEST' && l.side === 'BUY')
          out.push(reason('CASH_IN', 'Invest excess cash towards target', base));
        if (p === 'NON_MODEL') out.push(reason('NON_MODEL', `${st.s.key} is not in the model`, base));
      }
    }
    if (l.capped)
      out.push(reason('LEG_CAPPED', 'Leg capped at the share/notional maximum', { symbol: l.symbol }));
    if (l.side === 'SELL') {
      out.push(
        reason('LOTS', `Lots: ${l.lotWhy}`, {
          method: l.member?.forced.length ? `SPECIFIC+${this.method}` : this.method,
          lotIds: l.lots.map((x) => x.lot.lotId),
          realizedST: cashStr(g.st),
          realizedLT: cashStr(g.lt),
          lossLotsExcluded: l.member?.excludeLoss ?? false,
        }),
      );
    }
    return out;
  }
}

const STEP = fx('0.00001');

/** min(maxLegNotional, maxLegShares × price): the largest buy of one leg, memoised per config and price. */
const legRoomMemo = new WeakMap<ResolvedConfig, WeakMap<Fx, Fx>>();

function legRoom(cfg: ResolvedConfig, price: Fx): Fx {
  let m = legRoomMemo.get(cfg);
  if (m === undefined) {
    m = new WeakMap();
    legRoomMemo.set(cfg, m);
  }
  let r = m.get(price);
  if (r === undefined) {
    r = minFx(cfg.maxLegNotional, cfg.maxLegShares.times(price));
    m.set(price, r);
  }
  return r;
}

function toCents(d: Fx): Fx {
  return d.toDecimalPlaces(2, ROUND_HALF_EVEN);
}

function holdingTermOf(l: FxLot, asOf: string): 'ST' | 'LT' {
  return holdingTerm(l.openDate, asOf);
}
