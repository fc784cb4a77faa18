/**
 * Restrictions: a security that may not be bought (NO_BUY), sold (NO_SELL) or traded at all
 * (NO_TRADE), with a reason, from a start date to an end date (both inclusive; either open). One
 * account's, one advisor's (every account of that advisor) or the firm's (every account). The
 * snapshot loader hands every restriction in force on the trade date to the engine.
 */
import { z } from 'zod';
import { AccountId, AdvisorId, IsoDate, RestrictionKind, RestrictionScope, Ticker, text } from './fields';

export const RestrictionInput = z
  .object({
    scope: RestrictionScope,
    accountId: AccountId.optional(),
    advisorId: AdvisorId.optional(),
    symbol: Ticker,
    kind: RestrictionKind,
    reason: text(500, 'a reason'),
    startsOn: IsoDate.optional(),
    endsOn: IsoDate.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const need = (field: 'accountId' | 'advisorId', wanted: boolean) => {
      const has = r[field] !== undefined;
      if (has === wanted) return;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [field],
        message: wanted
          ? `a ${r.scope} restriction needs ${field}`
          : `a ${r.scope} restriction takes no ${field}`,
      });
    };
    need('accountId', r.scope === 'ACCOUNT');
    need('advisorId', r.scope === 'ADVISOR');
    if (r.startsOn && r.endsOn && r.endsOn < r.startsOn) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['endsOn'], message: 'must not be before startsOn' });
    }
  });
export type RestrictionInput = z.infer<typeof RestrictionInput>;

export const EndRestrictionInput = z
  .object({
    endsOn: IsoDate.optional(),
    note: text(500, 'a note').optional(),
  })
  .strict();
export type EndRestrictionInput = z.infer<typeof EndRestrictionInput>;

/** In force on `date`: started (or no start) and not ended (or ending on or after it). */
export function inForce(r: { startsOn: string | null; endsOn: string | null }, date: string): boolean {
  return (r.startsOn === null || r.startsOn <= date) && (r.endsOn === null || r.endsOn >= date);
}
