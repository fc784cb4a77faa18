/**
 * Whether the restrictions in force changed what the engine proposes: the plan is made again
 * without them and the legs compared. When they did, one RESTRICTION reason names each
 * restriction with where it comes from (the firm's list, the advisor's, the account's) and the
 * legs that differ, so a proposal shows why it is not what the model alone would do.
 */
import { type AccountSnapshot, type EnginePlan, type Reason, planAccount } from '../domain/engine';

export function restrictionImpact(snapshot: AccountSnapshot, plan: EnginePlan): Reason[] {
  if (snapshot.restrictions.length === 0) return [];
  const free = planAccount({ ...snapshot, restrictions: [] });
  const leg = (l: { side: string; qty: string; symbol: string }) => `${l.side} ${l.qty} ${l.symbol}`;
  const withThem = plan.legs.map(leg);
  const without = free.legs.map(leg);
  const added = withThem.filter((l) => !without.includes(l));
  const dropped = without.filter((l) => !withThem.includes(l));
  if (added.length === 0 && dropped.length === 0) return [];
  const restrictions = snapshot.restrictions.map((r) => `${r.symbol} ${r.kind} (${r.reason})`);
  return [
    {
      code: 'RESTRICTION',
      message: `Restrictions changed this proposal: ${restrictions.join('; ')}`,
      details: { restrictions, legsWithRestrictions: added, legsWithoutRestrictions: dropped },
    },
  ];
}
