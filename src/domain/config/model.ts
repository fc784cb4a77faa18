/**
 * A model and its versions. A version is a list of targets and the model-level engine settings;
 * once published it never changes (a change is a new version; accounts on the model see it at
 * their next scan, where the engine's MODEL_CHANGE trigger fires a full rebalance).
 *
 * A target is by security (`symbol`, the primary, with TLH `alternates` in priority order) or by
 * asset class (`assetClass` set as well: any held security of that class counts towards the
 * target when no other target has the class; `symbol` is what the sleeve buys). Weights are
 * relative (the engine normalises them to 1 − cash target); each must be above 0 and they may add
 * up to 1 at most, so percentages written as "35" are refused.
 */
import { z } from 'zod';
import { Dec } from '../money';
import { EngineSettings } from './engine-settings';
import { AssetClass, ModelId, Ticker, decimalIn, text } from './fields';

export const ModelTarget = z
  .object({
    symbol: Ticker,
    weight: decimalIn({ positive: true, max: '1' }, 'a weight'),
    assetClass: AssetClass.optional(),
    alternates: z.array(Ticker).max(10).optional(),
  })
  .strict();
export type ModelTarget = z.infer<typeof ModelTarget>;

const VERSION_SHAPE = {
  targets: z.array(ModelTarget).min(1, 'a model needs at least one target').max(100),
  settings: EngineSettings.optional().describe(
    "The model-level engine settings. Left out when publishing a version: the current version's settings are kept; {} is the engine's defaults.",
  ),
  note: text(2000, 'a note').optional(),
};

/** The targets as a whole (one primary each, alternates that are not primaries, weights up to 1). */
const checkTargets = (v: { targets: ModelTarget[] }, ctx: z.RefinementCtx) => {
  for (const issue of targetIssues(v.targets)) ctx.addIssue({ code: z.ZodIssueCode.custom, ...issue });
};

export const ModelVersionInput = z.object(VERSION_SHAPE).strict().superRefine(checkTargets);
export type ModelVersionInput = z.infer<typeof ModelVersionInput>;

export const CreateModelInput = z
  .object({ id: ModelId, name: text(200, 'a name'), ...VERSION_SHAPE })
  .strict()
  .superRefine(checkTargets);
export type CreateModelInput = z.infer<typeof CreateModelInput>;

/** What is wrong with a list of targets as a whole (each issue with its path). */
export function targetIssues(
  targets: readonly ModelTarget[],
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const primaries = new Map<string, number>();
  targets.forEach((t, i) => {
    const seen = primaries.get(t.symbol);
    if (seen !== undefined) {
      issues.push({
        path: ['targets', i, 'symbol'],
        message: `${t.symbol} is already the target at ${seen}`,
      });
    } else primaries.set(t.symbol, i);
  });
  targets.forEach((t, i) => {
    (t.alternates ?? []).forEach((a, j) => {
      const at = ['targets', i, 'alternates', j];
      if (a === t.symbol) issues.push({ path: at, message: `${a} is the target's own primary` });
      else if (primaries.has(a))
        issues.push({ path: at, message: `${a} is the primary of target ${primaries.get(a)}` });
      else if ((t.alternates ?? []).indexOf(a) !== j)
        issues.push({ path: at, message: `${a} is listed twice` });
    });
  });
  if (issues.length === 0 && targets.every((t) => /^\d+(\.\d+)?$/.test(t.weight))) {
    const total = targets.reduce((s, t) => s.plus(t.weight), new Dec(0));
    if (total.gt(1)) {
      issues.push({
        path: ['targets'],
        message: `the weights add up to ${total.toString()}: they are fractions and may add up to 1 at most`,
      });
    }
  }
  return issues;
}

/** Two versions' content (targets and settings) compared, order of targets aside. */
export function sameVersionContent(
  a: { targets: readonly ModelTarget[]; settings?: EngineSettings },
  b: { targets: readonly ModelTarget[]; settings?: EngineSettings },
): boolean {
  return canonicalVersion(a) === canonicalVersion(b);
}

function canonicalVersion(v: { targets: readonly ModelTarget[]; settings?: EngineSettings }): string {
  const targets = [...v.targets]
    .map((t) => ({
      symbol: t.symbol,
      weight: new Dec(t.weight).toString(),
      assetClass: t.assetClass ?? null,
      alternates: t.alternates ?? [],
    }))
    .sort((x, y) => (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0));
  return JSON.stringify({ targets, settings: canonicalSettings(v.settings ?? {}) });
}

/** Settings with sorted keys and decimals in their shortest form ('0.050' = '0.05'). */
export function canonicalSettings(s: EngineSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(s).sort()) {
    const v = (s as Record<string, unknown>)[k];
    if (v === undefined) continue;
    out[k] = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? new Dec(v).toString() : v;
  }
  return out;
}
