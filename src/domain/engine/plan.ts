/**
 * planAccount: valuation → members and forced sells → triggers → proposal (value space, then shares
 * with their lots) → the plan (explanations, compliance). One file per step, named in README.md.
 * Pure and deterministic: the same snapshot gives the same plan, whatever the order of its holdings.
 */
import { resolveConfig } from './config';
import { PlanContext } from './context';
import { reason, usd, w } from './explain';
import { finish } from './finish';
import { buildLegs } from './legs';
import { initSleeve, scanMembers } from './members';
import { cashStrFast as cashStr, fxShared } from './parse';
import { sizeValues } from './propose';
import { routeTargets } from './restrictions';
import { detectTriggers, maxAbsDev } from './triggers';
import type { AccountSnapshot, DriftRow, EngineConfig, EnginePlan } from './types';
import { buildSleeves, computeDriftRows } from './valuation';

/**
 * Plans one account for one trading day. See the module README (TSDoc of `EnginePlan`) for the
 * shape; config layers: DEFAULT ← `config` ← model.config ← accountConfig.
 */
export function planAccount(snapshot: AccountSnapshot, config?: Partial<EngineConfig>): EnginePlan {
  const cfg = resolveConfig(config, snapshot.model.config, snapshot.accountConfig);
  return run(new PlanContext(snapshot, cfg));
}

/** The pipeline, step by step (see README.md for each step's rules and file). */
function run(ctx: PlanContext): EnginePlan {
  // 1. Valuation and drift, after ESG routing of the targets.
  const driftRows = valueSleeves(ctx);
  // 2. Members: frozen sleeves, who may sell, forced sells (TLH, ESG, swap back), buy symbols.
  scanMembers(ctx);
  // 3. Triggers and mode.
  const triggers = detectTriggers(ctx, driftRows);
  const cashRow = {
    target: w(ctx.cfg.cashTarget),
    actual: w(ctx.ratios.of(ctx.cash.minus(ctx.withdrawal))),
  };
  const drift = { totalValue: cashStr(ctx.netValue), cash: cashRow, rows: driftRows };
  if (triggers === 0) {
    ctx.reasons.push(
      reason(
        'NO_ACTION',
        'No trigger: every sleeve inside its band, cash within tolerance, model unchanged',
        {
          maxAbsDev: maxAbsDev(ctx),
          cash: usd(ctx.cash),
        },
      ),
    );
    return finish(ctx, drift, []);
  }
  // 4. Proposal in value space (with cash), then in shares with their lots; 5. the plan.
  sizeValues(ctx);
  const legs = buildLegs(ctx);
  return finish(ctx, drift, legs);
}

/** Routes ESG-excluded targets, builds the sleeves and their drift rows, and the context's sleeve states. */
function valueSleeves(ctx: PlanContext): DriftRow[] {
  const snap = ctx.snap;
  const targets = snap.model.targets.map((t) => ({
    symbol: t.symbol,
    weight: fxShared(t.weight),
    ...(t.assetClass !== undefined ? { assetClass: t.assetClass } : {}),
  }));
  const routed = routeTargets(
    targets,
    snap.securities,
    ctx.book.esgExcluded,
    snap.esgScreen?.substitutes ?? {},
  );
  const sleeves = buildSleeves(routed.targets, ctx.holdings, snap.securities, ctx.cfg);
  const driftRows = computeDriftRows(sleeves, ctx.netValue, ctx.cfg, ctx.ratios);
  ctx.sleeves = sleeves.map((s, i) => initSleeve(ctx, s, driftRows[i]!));
  for (const t of routed.targets) {
    if (t.routedFrom !== undefined) {
      ctx.reasons.push(
        reason('ESG', `${t.routedFrom} is excluded by the ESG screen; its weight goes to ${t.symbol}`, {
          excluded: t.routedFrom,
          substitute: t.symbol,
        }),
      );
    }
  }
  if (routed.dropped.length > 0) {
    ctx.reasons.push(
      reason(
        'ESG',
        `No allowed substitute for ${routed.dropped.join(', ')}; weight spread over the other targets`,
        {
          dropped: routed.dropped,
        },
      ),
    );
  }
  return driftRows;
}
